-- 3: budget holds per reservation and the store instances that own them, so a crashed replica's holds are released
-- Each admitted reservation is a row, owned by the store instance (replica) that made it; settling or releasing
-- deletes it. An instance beats its row in cuga_store_owner; the holds of one that stopped beating are released
-- by the others (or by the restarted server), so a crash does not keep budget reserved forever.
CREATE TABLE cuga_budget_hold (
  id TEXT PRIMARY KEY,
  profile TEXT NOT NULL,
  kind TEXT NOT NULL,
  scope TEXT NOT NULL,
  value TEXT NOT NULL,
  amount INTEGER NOT NULL,
  owner TEXT NOT NULL,
  created_us INTEGER NOT NULL
);
CREATE INDEX cuga_budget_hold_owner ON cuga_budget_hold (owner);
CREATE TABLE cuga_store_owner (
  owner TEXT PRIMARY KEY,
  started_us INTEGER NOT NULL,
  seen_us INTEGER NOT NULL
);
-- what was reserved before holds existed has no owner to release it: calls in flight across this upgrade settle
-- what they used, and reserved amounts never go below zero
UPDATE cuga_budget SET reserved = 0;
