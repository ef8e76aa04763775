-- Background jobs and the outbox: job times, channel settings (with their secrets), delivery bookkeeping and the
-- monthly doctor reports.
--
-- Who runs jobs: a process holding the owner's rights (the embedded app, `clinicctl agent`) or an
-- administrator's session. Reception and doctors never run them, so the channel secrets and the clinical
-- aggregates of the monthly report never reach their sessions.

-- ---------------------------------------------------------------- job times (one row, clinic time zone)
CREATE TABLE job_settings (
  id                       boolean PRIMARY KEY DEFAULT true CHECK (id),
  reminder_time            time NOT NULL DEFAULT '08:00',
  day_before_enabled       boolean NOT NULL DEFAULT false,
  day_before_time          time NOT NULL DEFAULT '18:00',
  report_time              time NOT NULL DEFAULT '00:30',
  cleanup_time             time NOT NULL DEFAULT '03:00',
  staff_digest_enabled     boolean NOT NULL DEFAULT true,
  report_recipients        text NOT NULL DEFAULT '' CONSTRAINT job_settings_report_recipients_check CHECK (length(report_recipients) <= 1000),
  auto_no_show             boolean NOT NULL DEFAULT true,
  no_show_grace_hours      integer NOT NULL DEFAULT 24 CONSTRAINT job_settings_no_show_grace_hours_check CHECK (no_show_grace_hours BETWEEN 1 AND 720),
  prune_sent_after_days    integer NOT NULL DEFAULT 90 CONSTRAINT job_settings_prune_sent_after_days_check CHECK (prune_sent_after_days BETWEEN 1 AND 3650),
  updated_at               timestamptz NOT NULL DEFAULT now()
);
INSERT INTO job_settings DEFAULT VALUES;
GRANT SELECT, UPDATE ON job_settings TO clinicdesk_admin;
CREATE TRIGGER job_settings_touch BEFORE UPDATE ON job_settings FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER job_settings_audit AFTER INSERT OR UPDATE OR DELETE ON job_settings FOR EACH ROW EXECUTE FUNCTION audit_row();

-- ---------------------------------------------------------------- channels (one row; holds secrets: admins only)
CREATE TABLE channel_settings (
  id                 boolean PRIMARY KEY DEFAULT true CHECK (id),
  smtp_host          text NOT NULL DEFAULT '' CHECK (length(smtp_host) <= 253),
  smtp_port          integer NOT NULL DEFAULT 587 CONSTRAINT channel_settings_smtp_port_check CHECK (smtp_port BETWEEN 1 AND 65535),
  smtp_security      text NOT NULL DEFAULT 'starttls' CHECK (smtp_security IN ('starttls', 'tls', 'plain')),
  smtp_username      text NOT NULL DEFAULT '' CHECK (length(smtp_username) <= 254),
  smtp_password      text NOT NULL DEFAULT '' CHECK (length(smtp_password) <= 1000),
  smtp_from          text NOT NULL DEFAULT '' CHECK (length(smtp_from) <= 254),
  sms_provider       text NOT NULL DEFAULT 'none' CHECK (sms_provider IN ('none', 'twilio', 'json')),
  sms_url            text NOT NULL DEFAULT '' CHECK (length(sms_url) <= 2000),
  sms_account_sid    text NOT NULL DEFAULT '' CHECK (length(sms_account_sid) <= 200),
  sms_token          text NOT NULL DEFAULT '' CHECK (length(sms_token) <= 1000),
  sms_from           text NOT NULL DEFAULT '' CHECK (length(sms_from) <= 32),
  sms_json_template  text NOT NULL DEFAULT '{"to": "{{to}}", "message": "{{body}}"}' CHECK (length(sms_json_template) <= 4000),
  chat_webhook_url   text NOT NULL DEFAULT '' CHECK (length(chat_webhook_url) <= 2000),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
INSERT INTO channel_settings DEFAULT VALUES;
-- The audit trigger records changed column names only, never values, so secrets stay out of the log.
GRANT SELECT, UPDATE ON channel_settings TO clinicdesk_admin;
CREATE TRIGGER channel_settings_touch BEFORE UPDATE ON channel_settings FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER channel_settings_audit AFTER INSERT OR UPDATE OR DELETE ON channel_settings FOR EACH ROW EXECUTE FUNCTION audit_row();

-- ---------------------------------------------------------------- job runs: who ran what, for which period
ALTER TABLE job_runs
  ADD COLUMN trigger  text NOT NULL DEFAULT 'schedule' CHECK (trigger IN ('schedule', 'catch_up', 'manual')),
  ADD COLUMN attempts integer NOT NULL DEFAULT 1;
CREATE INDEX job_runs_started_idx ON job_runs (job, started_at DESC);
GRANT INSERT (job, period, host, trigger), UPDATE (host, started_at, finished_at, outcome, counts, error, attempts, trigger)
  ON job_runs TO clinicdesk_admin;

-- ---------------------------------------------------------------- outbox delivery
ALTER TABLE notifications
  ADD COLUMN kind          text NOT NULL DEFAULT 'confirmation'
                           CHECK (kind IN ('confirmation', 'reminder', 'digest', 'report', 'export_ready', 'test')),
  ADD COLUMN claimed_by    text,
  ADD COLUMN claimed_until timestamptz;
CREATE INDEX notifications_lease_idx ON notifications (claimed_until) WHERE status = 'sending';
CREATE INDEX notifications_created_idx ON notifications (created_at DESC);
CREATE INDEX notifications_sent_idx ON notifications (sent_at) WHERE status = 'sent';
GRANT INSERT (kind) ON notifications TO clinicdesk_admin, clinicdesk_reception, clinicdesk_doctor;
GRANT UPDATE (status, attempts, next_attempt_at, last_error, claimed_by, claimed_until, sent_at), DELETE
  ON notifications TO clinicdesk_admin;
-- Delivery moves every row through pending → sending → sent; auditing each step would log the dispatcher, not
-- people. Inserts, deletes and what people do (cancel, retry) are audited.
DROP TRIGGER notifications_audit ON notifications;
CREATE TRIGGER notifications_audit AFTER INSERT OR DELETE ON notifications FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER notifications_audit_people AFTER UPDATE OF status ON notifications FOR EACH ROW
  WHEN (NEW.status = 'cancelled' OR (OLD.status IN ('failed', 'cancelled') AND NEW.status = 'pending'))
  EXECUTE FUNCTION audit_row();

-- ---------------------------------------------------------------- monthly reports (HTML, one per doctor + clinic)
CREATE TABLE reports (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  month        date NOT NULL CONSTRAINT reports_month_check CHECK (extract(day FROM month) = 1),
  doctor_id    bigint REFERENCES doctors (id),
  title        text NOT NULL,
  html         text NOT NULL,
  summary      jsonb NOT NULL DEFAULT '{}',
  host         text NOT NULL,
  generated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT reports_month_doctor_key UNIQUE NULLS NOT DISTINCT (month, doctor_id)
);
GRANT SELECT, INSERT, UPDATE ON reports TO clinicdesk_admin;
GRANT SELECT ON reports TO clinicdesk_doctor;
ALTER TABLE reports ENABLE ROW LEVEL SECURITY;
CREATE POLICY reports_admin ON reports FOR ALL TO clinicdesk_admin USING (true) WITH CHECK (true);
CREATE POLICY reports_own ON reports FOR SELECT TO clinicdesk_doctor USING (doctor_id = clinicdesk_current_doctor_id());
CREATE TRIGGER reports_audit AFTER INSERT OR UPDATE OR DELETE ON reports FOR EACH ROW EXECUTE FUNCTION audit_row();
