-- 1: the audit trail with its chain head, the budget ledger, approvals
CREATE TABLE cuga_audit (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  time_us INTEGER NOT NULL,
  kind TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  call_id TEXT NOT NULL,
  tool TEXT NOT NULL,
  decision TEXT NOT NULL,
  profile TEXT NOT NULL,
  body TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX cuga_audit_time ON cuga_audit (time_us);
CREATE INDEX cuga_audit_trace ON cuga_audit (trace_id);
CREATE INDEX cuga_audit_call ON cuga_audit (call_id);
CREATE INDEX cuga_audit_tool ON cuga_audit (tool);
CREATE INDEX cuga_audit_profile ON cuga_audit (profile);
CREATE TABLE cuga_audit_head (
  id INTEGER PRIMARY KEY,
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO cuga_audit_head (id, seq, hash)
  VALUES (1, 0, 'sha256:0000000000000000000000000000000000000000000000000000000000000000');
CREATE TABLE cuga_budget (
  profile TEXT NOT NULL,
  kind TEXT NOT NULL,
  scope TEXT NOT NULL,
  value TEXT NOT NULL,
  spent INTEGER NOT NULL DEFAULT 0,
  reserved INTEGER NOT NULL DEFAULT 0,
  exceedances INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (profile, kind, scope, value)
);
CREATE TABLE cuga_approval (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  expires_us INTEGER NOT NULL,
  call_id TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  profile TEXT NOT NULL,
  session TEXT NOT NULL,
  requester TEXT NOT NULL,
  tool TEXT NOT NULL,
  risk TEXT NOT NULL,
  arguments TEXT NOT NULL,
  required_because TEXT NOT NULL,
  decided_by TEXT NOT NULL,
  decided_us INTEGER,
  decision_reason TEXT NOT NULL,
  outcome TEXT NOT NULL
);
CREATE INDEX cuga_approval_status ON cuga_approval (status, created_us);
