-- Memory entries: (profile, session, id) is an entry's identity; pk ties the full-text row to it.
CREATE TABLE cuga_memory (
  pk INTEGER PRIMARY KEY AUTOINCREMENT,
  profile TEXT NOT NULL,
  session TEXT NOT NULL,
  id TEXT NOT NULL,
  text TEXT NOT NULL,
  metadata TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  embedding BLOB,
  UNIQUE (profile, session, id)
);
-- retention by count (newest N of a scope) and the newest-first listing
CREATE INDEX cuga_memory_scope_time ON cuga_memory (profile, session, created_us);
-- the age prune
CREATE INDEX cuga_memory_time ON cuga_memory (created_us);
-- the entry's words (lower-cased by the bundle, one space apart), rowid = cuga_memory.pk
CREATE VIRTUAL TABLE cuga_memory_fts USING fts5(words, tokenize = 'unicode61 remove_diacritics 0');
-- every way an entry goes (replace, delete, clear, retention, prune) takes its words along
CREATE TRIGGER cuga_memory_fts_delete AFTER DELETE ON cuga_memory BEGIN DELETE FROM cuga_memory_fts WHERE rowid = old.pk; END;
-- one row every write transaction updates first, so it holds the write lock from its first statement
CREATE TABLE cuga_memory_lock (n INTEGER NOT NULL);
INSERT INTO cuga_memory_lock (n) VALUES (0);
