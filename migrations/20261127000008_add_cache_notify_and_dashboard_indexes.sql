-- Caches that are never stale across PCs: every write to the data the app caches (departments, doctors,
-- availability, holidays, appointments, and the counts the dashboards show) sends a NOTIFY on channel
-- 'clinicdesk_cache' when its transaction commits. The payload is '<table>:<doctor id or empty>' — never
-- patient data. Each running ClinicDesk LISTENs and drops what the change makes stale.
-- Plus the indexes the dashboards, the audit log viewer and the quick search need.

CREATE FUNCTION cache_notify() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
DECLARE
  new_doctor text;
  old_doctor text;
BEGIN
  IF TG_TABLE_NAME IN ('appointments', 'doctor_availability', 'doctor_availability_exceptions') THEN
    IF TG_OP <> 'DELETE' THEN new_doctor := coalesce(to_jsonb(NEW) ->> 'doctor_id', ''); END IF;
    IF TG_OP <> 'INSERT' THEN old_doctor := coalesce(to_jsonb(OLD) ->> 'doctor_id', ''); END IF;
  ELSIF TG_TABLE_NAME = 'doctors' THEN
    IF TG_OP <> 'DELETE' THEN new_doctor := NEW.id::text; END IF;
    IF TG_OP <> 'INSERT' THEN old_doctor := OLD.id::text; END IF;
  ELSE
    new_doctor := '';
  END IF;
  -- identical payloads within one transaction are delivered once by PostgreSQL
  IF new_doctor IS NOT NULL THEN
    PERFORM pg_notify('clinicdesk_cache', TG_TABLE_NAME || ':' || new_doctor);
  END IF;
  IF old_doctor IS NOT NULL AND old_doctor IS DISTINCT FROM new_doctor THEN
    PERFORM pg_notify('clinicdesk_cache', TG_TABLE_NAME || ':' || old_doctor);
  END IF;
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION cache_notify() FROM PUBLIC;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['departments', 'doctors', 'doctor_availability', 'doctor_availability_exceptions',
                           'appointments', 'patients', 'treatments', 'settings'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION cache_notify()',
                   t || '_cache_notify', t);
  END LOOP;
END $$;

-- Dashboards: one index-only pass over a date window gives per-day × doctor × status counts.
CREATE INDEX appointments_dashboard_idx ON appointments (starts_at) INCLUDE (doctor_id, status, patient_id);
-- New patients per week.
CREATE INDEX patients_created_at_idx ON patients (created_at);
-- Audit log viewer: filter by table (and action) over a date range, newest first.
CREATE INDEX audit_log_table_idx ON audit_log (table_name, at DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, at DESC);
-- Diagnostics: latest run per job.
CREATE INDEX job_runs_diagnostics_idx ON job_runs (job, started_at DESC);
