-- Backups (issue 7): the schedule and folder, a record of every backup taken, the login roles a restore must
-- recreate, and idempotency keys so a retried write (after a dropped connection) never happens twice.

-- ---------------------------------------------------------------- backup settings (one row)
CREATE TABLE backup_settings (
  id          boolean PRIMARY KEY DEFAULT true CONSTRAINT backup_settings_one_row CHECK (id),
  enabled     boolean NOT NULL DEFAULT true,
  run_at      time NOT NULL DEFAULT '02:00',
  -- NULL: the default folder (<data dir>/backups on the computer that runs the backup)
  folder      text CONSTRAINT backup_settings_folder_check CHECK (folder IS NULL OR length(folder) BETWEEN 1 AND 1024),
  keep        integer NOT NULL DEFAULT 14 CONSTRAINT backup_settings_keep_check CHECK (keep BETWEEN 1 AND 365),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO backup_settings DEFAULT VALUES;
GRANT SELECT ON backup_settings TO clinicdesk_staff;
GRANT UPDATE (enabled, run_at, folder, keep) ON backup_settings TO clinicdesk_admin;
CREATE TRIGGER backup_settings_touch BEFORE UPDATE ON backup_settings FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER backup_settings_audit AFTER INSERT OR UPDATE OR DELETE ON backup_settings
  FOR EACH ROW EXECUTE FUNCTION audit_row();

-- ---------------------------------------------------------------- backups taken
-- Written by whoever runs pg_dump: the schema owner (embedded cluster, clinicctl on a server, the scheduler).
CREATE TABLE backups (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  path         text NOT NULL,
  bytes        bigint NOT NULL DEFAULT 0,
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  host         text NOT NULL DEFAULT '',
  trigger      text NOT NULL CONSTRAINT backups_trigger_check CHECK (trigger IN ('scheduled', 'manual', 'cli')),
  outcome      text NOT NULL DEFAULT 'running' CONSTRAINT backups_outcome_check CHECK (outcome IN ('running', 'ok', 'failed')),
  error        text
);
CREATE INDEX backups_ok_recent ON backups (finished_at DESC) WHERE outcome = 'ok';
-- Everyone sees when the last backup was (the warning is for all); only the owner records them.
GRANT SELECT ON backups TO clinicdesk_staff;
CREATE TRIGGER backups_audit AFTER INSERT OR UPDATE OR DELETE ON backups
  FOR EACH ROW EXECUTE FUNCTION audit_row();

-- ---------------------------------------------------------------- roles a restore recreates
-- pg_dump does not dump roles (they are cluster-wide): each backup snapshots the staff's login roles here
-- (with their SCRAM verifiers when the owner is a superuser), so a backup restores into a fresh cluster whose
-- staff can sign in. No GRANT to anyone: only the owner reads it.
CREATE TABLE backup_role_snapshot (
  rolname     text PRIMARY KEY,
  can_login   boolean NOT NULL,
  verifier    text,
  groups      text[] NOT NULL DEFAULT '{}'
);
REVOKE ALL ON backup_role_snapshot FROM PUBLIC;

-- ---------------------------------------------------------------- idempotency keys
-- A client sends a fresh key with a write it may retry (a booking after a dropped connection); the key commits
-- in the same transaction as the write, so a retry finds it and gets the first result instead of a second write.
CREATE TABLE request_keys (
  key             text PRIMARY KEY CONSTRAINT request_keys_key_check CHECK (length(key) BETWEEN 8 AND 64),
  kind            text NOT NULL CONSTRAINT request_keys_kind_check CHECK (kind IN ('book_appointment')),
  appointment_id  bigint REFERENCES appointments (id),
  created_by      text NOT NULL DEFAULT session_user,
  created_at      timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT (key, kind, appointment_id) ON request_keys TO clinicdesk_admin, clinicdesk_reception;
ALTER TABLE request_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY request_keys_own ON request_keys FOR ALL TO clinicdesk_admin, clinicdesk_reception
  USING (created_by = session_user) WITH CHECK (created_by = session_user);
