-- Memory entries: (profile, session, id) is an entry's identity.
CREATE TABLE cuga_memory (
  pk BIGSERIAL PRIMARY KEY,
  profile TEXT NOT NULL,
  session TEXT NOT NULL,
  id TEXT NOT NULL,
  text TEXT NOT NULL,
  metadata JSONB NOT NULL,
  created_us BIGINT NOT NULL,
  embedding BYTEA,
  -- the entry's words as the bundle splits them (lower-cased, no stemming), with their positions
  words TSVECTOR NOT NULL,
  UNIQUE (profile, session, id)
);
-- retention by count (newest N of a scope) and the newest-first listing
CREATE INDEX cuga_memory_scope_time ON cuga_memory (profile, session, created_us);
-- the age prune
CREATE INDEX cuga_memory_time ON cuga_memory (created_us);
-- full-text search
CREATE INDEX cuga_memory_words ON cuga_memory USING GIN (words);
