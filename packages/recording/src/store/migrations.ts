/**
 * The one ordered migration list for PGlite and PostgreSQL. Append only: a released migration is
 * never edited (stores already ran it); a change is a new entry.
 *
 * Table names carry a `recording_` prefix because a shared PostgreSQL will also hold other Airlock
 * state (e.g. MCP sessions routed across gateways), and "sessions" alone would be ambiguous there.
 *
 * Events keep two JSON *text* columns, not JSONB: `envelope` (the event without `message`) and
 * `message` (the JSON-RPC message). JSONB cannot hold `\u0000` or unpaired surrogates, both valid
 * JSON a client can send (tool arguments, clientInfo); one such event would fail its batch forever
 * and wedge at-least-once delivery. Text keeps every event storable and byte-for-byte as recorded.
 * Everything the store filters on is an indexed column. `message` is its own column so the
 * per-session encryption can later replace it with ciphertext without touching the rest.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'recording sessions and events',
    sql: `
CREATE TABLE recording_sessions (
  id                    text PRIMARY KEY,
  subject               text NOT NULL,
  email                 text,
  groups                text[] NOT NULL DEFAULT '{}',
  connection            text NOT NULL,
  era                   text NOT NULL,
  protocol_version      text NOT NULL,
  gateway_id            text,
  agent_id              text,
  started_at            timestamptz NOT NULL,
  last_event_at         timestamptz NOT NULL,
  ended_at              timestamptz,
  status                text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'ended', 'failed')),
  end_reason            text,
  end_code              text,
  end_source            text CHECK (end_source IN ('gateway', 'agent')),
  tools                 text[] NOT NULL DEFAULT '{}',
  event_count           integer NOT NULL DEFAULT 0,
  gateway_message_count integer NOT NULL DEFAULT 0,
  agent_message_count   integer NOT NULL DEFAULT 0,
  warning_count         integer NOT NULL DEFAULT 0
);
CREATE INDEX recording_sessions_started ON recording_sessions (started_at DESC, id DESC);
CREATE INDEX recording_sessions_subject ON recording_sessions (subject, started_at DESC, id DESC);
CREATE INDEX recording_sessions_connection ON recording_sessions (connection, started_at DESC, id DESC);
CREATE INDEX recording_sessions_last_event ON recording_sessions (last_event_at);
CREATE INDEX recording_sessions_tools ON recording_sessions USING gin (tools);

CREATE TABLE recording_events (
  id          text PRIMARY KEY,
  session_id  text NOT NULL,
  source      text NOT NULL CHECK (source IN ('gateway', 'agent')),
  seq         integer NOT NULL,
  at          timestamptz NOT NULL,
  kind        text NOT NULL,
  direction   text,
  method      text,
  tool_name   text,
  envelope    text NOT NULL,
  message     text,
  stored_at   timestamptz NOT NULL DEFAULT now()
);
-- Not unique: a second event claiming the same (session, source, seq) is stored, so that
-- verification can report the duplicate instead of the store hiding it.
CREATE INDEX recording_events_order ON recording_events (session_id, source, seq);
`,
  },
  {
    version: 2,
    name: 'recording session keys',
    // One wrapped data key per session (the primary key makes concurrent first writes of a session
    // on two gateways agree on one key). `wrapped_key` is the key wrapper's text (`<kind>:<base64>`),
    // never a plaintext key. Deleting a row crypto-shreds the session's encrypted messages.
    sql: `
CREATE TABLE recording_session_keys (
  session_id  text PRIMARY KEY,
  key_id      text NOT NULL,
  wrapped_key text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 3,
    name: 'recording events page order',
    // Events are read a page at a time, keyset-paged by (source, seq, id): id breaks ties between
    // duplicates of one seq. With id in the index a page is one index range scan in the wanted
    // order; without it the planner may sort all of a session's remaining events for every page.
    // It replaces recording_events_order, of which it is a prefix-compatible superset.
    sql: `
CREATE INDEX recording_events_page ON recording_events (session_id, source, seq, id);
DROP INDEX recording_events_order;
`,
  },
  {
    version: 4,
    name: 'tool pins',
    // Tool pinning: per connection and tool, the definition an administrator accepted (null for a
    // tool never accepted) and the one last seen. Shared by every gateway on the store.
    sql: `
CREATE TABLE tool_pins (
  connection            text NOT NULL,
  tool                  text NOT NULL,
  seen_fingerprint      text NOT NULL,
  seen_definition       text NOT NULL,
  accepted_fingerprint  text,
  accepted_definition   text,
  first_seen_at         timestamptz NOT NULL,
  changed_at            timestamptz NOT NULL,
  accepted_at           timestamptz,
  accepted_by           text,
  PRIMARY KEY (connection, tool)
);
`,
  },
  {
    version: 5,
    name: 'approvals and access grants',
    // Held calls (guardrail action approve) and just-in-time access grants: shared by every
    // gateway on the store, so any gateway can show and decide them and they survive restarts.
    sql: `
CREATE TABLE approvals (
  id              text PRIMARY KEY,
  digest          text NOT NULL,
  session_id      text NOT NULL,
  connection      text NOT NULL,
  requester       jsonb NOT NULL,
  method          text NOT NULL,
  target          text NOT NULL,
  params          text NOT NULL,
  rule            text NOT NULL,
  message         text,
  requirement     jsonb NOT NULL,
  status          text NOT NULL,
  votes           jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at      timestamptz NOT NULL,
  expires_at      timestamptz NOT NULL,
  remember_seconds integer NOT NULL,
  decided_at      timestamptz,
  remember_until  timestamptz,
  released_at     timestamptz,
  released_by     text,
  outcome         text,
  outcome_at      timestamptz
);
CREATE INDEX approvals_digest ON approvals (digest, created_at DESC);
CREATE INDEX approvals_created ON approvals (created_at DESC, id DESC);
CREATE TABLE access_grants (
  id               text PRIMARY KEY,
  connection       text NOT NULL,
  requester        jsonb NOT NULL,
  subject          text NOT NULL,
  tools            jsonb NOT NULL,
  duration_seconds integer NOT NULL,
  reason           text NOT NULL,
  status           text NOT NULL,
  requested_at     timestamptz NOT NULL,
  decided_at       timestamptz,
  decided_by       text,
  decision_reason  text,
  expires_at       timestamptz,
  revoked_at       timestamptz,
  revoked_by       text,
  revoke_reason    text
);
CREATE INDEX access_grants_requested ON access_grants (requested_at DESC, id DESC);
CREATE INDEX access_grants_active ON access_grants (status, expires_at);
`,
  },
  {
    version: 6,
    name: 'gateway cluster and agent enrollments',
    // Several gateways as one service: each running gateway registers its session tag (the prefix
    // of the 2025-era session ids it issues) and the internal URL its peers forward those
    // sessions' requests to, with a heartbeat. Agents enrolled with "airlock agents create" live
    // here too when the store is shared, so a revocation on one gateway cuts the agent off on all.
    sql: `
CREATE TABLE gateway_peers (
  tag           text PRIMARY KEY,
  gateway_id    text NOT NULL,
  internal_url  text NOT NULL,
  started_at    timestamptz NOT NULL DEFAULT now(),
  heartbeat_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE agent_enrollments (
  id             text PRIMARY KEY,
  token_sha256   text NOT NULL,
  connections    text[] NOT NULL,
  created_at     timestamptz NOT NULL,
  created_by     text NOT NULL,
  revoked_at     timestamptz,
  revoked_by     text
);
`,
  },
  {
    version: 7,
    name: 'session client and markers',
    // The sessions table shows the client's name and how many values were masked (counted per
    // source: both records may carry the same findings, the summary shows the larger), messages
    // denied and calls held; they are kept on the session row as events are stored (like the other
    // counts), so listing stays one index scan. Sessions stored before this migration keep nulls
    // and zeros (their events are not re-read: on a large store that would hold the migration
    // lock for minutes).
    sql: `
ALTER TABLE recording_sessions
  ADD COLUMN client_name  text,
  ADD COLUMN gateway_masked_count integer NOT NULL DEFAULT 0,
  ADD COLUMN agent_masked_count   integer NOT NULL DEFAULT 0,
  ADD COLUMN denied_count         integer NOT NULL DEFAULT 0,
  ADD COLUMN held_count           integer NOT NULL DEFAULT 0;
`,
  },
  {
    version: 8,
    name: 'console sign-in sessions',
    // Console sign-in records, so a restart or another gateway behind the load balancer keeps
    // people signed in: keyed by the SHA-256 of the secret the browser holds (never the secret),
    // sealed with a key derived from that secret.
    sql: `
CREATE TABLE console_sessions (
  key         text PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('session', 'sign_in')),
  sealed      text NOT NULL,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (kind, expires_at);
`,
  },
  {
    version: 9,
    name: 'change feed',
    // Live updates (the API's event streams): every insert or update of a session row or an
    // approval stamps the row with the id of the transaction that wrote it and sends a NOTIFY on
    // "airlock_changes" ("session <id>" / "approval <id>"), delivered at commit to every listening
    // gateway. The NOTIFY is only a wake-up hint; readers ask for rows stamped at or after their
    // cursor and before the oldest transaction still running (pg_snapshot_xmin), so a transaction
    // that commits late is read late, never skipped. The trigger is the one place that knows of
    // every writer (recording delivery on any gateway, votes, expiry, release). Existing rows keep
    // 0 ("changed long ago"); the column default costs no table rewrite.
    sql: `
ALTER TABLE recording_sessions ADD COLUMN change_xid xid8 NOT NULL DEFAULT '0';
ALTER TABLE approvals ADD COLUMN change_xid xid8 NOT NULL DEFAULT '0';
CREATE INDEX recording_sessions_change ON recording_sessions (change_xid, id);
CREATE INDEX approvals_change ON approvals (change_xid, id);
CREATE FUNCTION airlock_stamp_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.change_xid := pg_current_xact_id();
  PERFORM pg_notify('airlock_changes', TG_ARGV[0] || ' ' || left(NEW.id, 1000));
  RETURN NEW;
END
$$;
CREATE TRIGGER recording_sessions_change BEFORE INSERT OR UPDATE ON recording_sessions
  FOR EACH ROW EXECUTE FUNCTION airlock_stamp_change('session');
CREATE TRIGGER approvals_change BEFORE INSERT OR UPDATE ON approvals
  FOR EACH ROW EXECUTE FUNCTION airlock_stamp_change('approval');
`,
  },
  {
    version: 10,
    name: 'modern-era recording groups',
    // A client's modern-era (stateless) requests form one recording session whichever gateway
    // serves each: the group's session id is agreed here, keyed by a SHA-256 of (subject,
    // connection, client name), with an idle deadline on the database's clock that every gateway
    // serving the group pushes forward. A row past its deadline is over; the next claim replaces it.
    sql: `
CREATE TABLE modern_session_groups (
  group_key   text PRIMARY KEY,
  session_id  text NOT NULL,
  started_at  timestamptz NOT NULL DEFAULT now(),
  deadline    timestamptz NOT NULL
);
CREATE INDEX modern_session_groups_deadline ON modern_session_groups (deadline);
`,
  },
  {
    version: 11,
    name: 'message search terms',
    // The text search's blind index (see search-terms.ts): per event, keyed hashes of its
    // message's words and word pairs, GIN-indexed, so `text=` no longer scans every message (a
    // scan took seconds at 100,000 sessions, and could not look inside encrypted messages at all).
    // NULL until computed: rows stored before this migration are indexed afterwards, a batch at a
    // time, by the store (indexStoredMessages), which finds them through the partial index.
    // The secret search key of an encrypted store is kept wrapped, like the session keys.
    sql: `
ALTER TABLE recording_events ADD COLUMN search_terms bigint[];
-- A search also reads the index's pending list (entries not yet merged into the tree) from end to
-- end: at PostgreSQL's default 4 MB that was ~14 ms of every search at 100,000 sessions.
CREATE INDEX recording_events_search ON recording_events USING gin (search_terms)
  WITH (gin_pending_list_limit = 1024);
CREATE INDEX recording_events_unsearchable ON recording_events (id)
  WHERE search_terms IS NULL AND message IS NOT NULL;
CREATE TABLE recording_search_keys (
  name        text PRIMARY KEY,
  wrapped_key text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 12,
    name: 'session rows updated in place',
    // Every stored batch updates the row of each session in it, moving last_event_at. With that
    // column indexed, no update could be heap-only (HOT): each wrote a new entry into all five
    // indexes of the table, the GIN one included, and the entries of dead row versions stay until
    // a VACUUM, which the embedded store never runs (no autovacuum in single-user PGlite): measured,
    // 32 sessions took 870 KB after 40,000 stored events and went on growing. Without the index
    // (and with room on each page for the new version) the updates are HOT and a page's dead
    // versions are pruned as it is read: 140 KB, flat. Only the retention purge filtered on the
    // column alone; it now reads the sessions table once a run, which is small next to the events.
    // Since the change feed (migration 9) stamps an indexed change_xid on every update, session
    // updates are no longer HOT; the dead versions are then cleared by the store's own VACUUM
    // (table-maintenance.ts) on PGlite and by autovacuum on PostgreSQL. Dropping the index still
    // saves one index write per session per batch.
    sql: `
DROP INDEX recording_sessions_last_event;
ALTER TABLE recording_sessions SET (fillfactor = 70);
`,
  },
  {
    version: 13,
    name: 'large messages in parts',
    // A message longer than a part (message-parts.ts) is stored as consecutive parts, one row each,
    // and its event row keeps `message` NULL and the number of parts. Each part is written and read
    // by its own statement: PGlite's WebAssembly memory grows to the largest value a statement
    // carries and never shrinks, and storing a 100 MiB message in one value left an embedded
    // store ~1 GB larger for good (measured: peak +1.3 GB, +1.0 GB after). The parts go with their
    // event (a purge deletes both).
    sql: `
ALTER TABLE recording_events ADD COLUMN message_parts integer;
CREATE TABLE recording_event_parts (
  event_id  text NOT NULL REFERENCES recording_events (id) ON DELETE CASCADE,
  part      integer NOT NULL,
  body      text NOT NULL,
  PRIMARY KEY (event_id, part)
);
`,
  },
];
