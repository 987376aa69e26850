-- 2: agent tasks and sessions (JSON documents with indexed columns and an optimistic version)
CREATE TABLE cuga_task (
  id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  status TEXT NOT NULL,
  profile TEXT NOT NULL,
  session TEXT NOT NULL,
  caller TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  document TEXT NOT NULL
);
CREATE INDEX cuga_task_session ON cuga_task (profile, session, created_us);
CREATE INDEX cuga_task_caller ON cuga_task (caller, created_us);
CREATE INDEX cuga_task_status ON cuga_task (status);
CREATE TABLE cuga_session (
  profile TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  caller TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  document TEXT NOT NULL,
  PRIMARY KEY (profile, id)
);
