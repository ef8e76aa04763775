-- Issue 14, part 3: recurring series. A series row says how the visits were planned (for the record and for
-- "cancel this and all later"); each visit is an ordinary appointment with its own status, reminders and rules,
-- linked by `series_id`. The series holds no patient or doctor of its own (its appointments do), so a patient
-- merge moves a series' visits with every other appointment.
CREATE TABLE appointment_series (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rule       text NOT NULL CONSTRAINT appointment_series_rule_check CHECK (char_length(rule) BETWEEN 1 AND 200),
  created_by text NOT NULL DEFAULT session_user,
  created_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT ON appointment_series TO clinicdesk_staff;
GRANT INSERT (rule) ON appointment_series TO clinicdesk_admin, clinicdesk_reception;
CREATE TRIGGER appointment_series_audit AFTER INSERT OR UPDATE OR DELETE ON appointment_series
  FOR EACH ROW EXECUTE FUNCTION audit_row();

ALTER TABLE appointments
  ADD COLUMN series_id bigint CONSTRAINT appointments_series_id_fkey REFERENCES appointment_series (id);
CREATE INDEX appointments_series_idx ON appointments (series_id, starts_at) WHERE series_id IS NOT NULL;
GRANT INSERT (series_id) ON appointments TO clinicdesk_admin, clinicdesk_reception;
