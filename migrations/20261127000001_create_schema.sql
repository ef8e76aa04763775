-- ClinicDesk schema v1: the whole domain, its roles and its security rules.
-- PostgreSQL is the security boundary: every staff member is a LOGIN role that inherits one group role.
-- This migration must be run by a superuser (the embedded cluster's owner, or the server's owner via
-- `clinicctl db migrate --database-url ...`).

CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Group roles are cluster-wide; create them only when missing (several ClinicDesk databases may share a cluster).
DO $$
DECLARE r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['clinicdesk_staff', 'clinicdesk_admin', 'clinicdesk_doctor', 'clinicdesk_reception'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN NOINHERIT', r);
    END IF;
  END LOOP;
END $$;
GRANT clinicdesk_staff TO clinicdesk_admin, clinicdesk_doctor, clinicdesk_reception;
ALTER ROLE clinicdesk_admin INHERIT;
ALTER ROLE clinicdesk_doctor INHERIT;
ALTER ROLE clinicdesk_reception INHERIT;

DO $$
BEGIN
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO clinicdesk_staff', current_database());
END $$;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO clinicdesk_staff;
-- sqlx keeps its bookkeeping here; staff read it to know whether the schema is current.
DO $$
BEGIN
  IF to_regclass('public._sqlx_migrations') IS NOT NULL THEN
    GRANT SELECT ON _sqlx_migrations TO clinicdesk_staff;
  END IF;
END $$;

-- ---------------------------------------------------------------- helpers
CREATE FUNCTION clinicdesk_is(p_group text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT pg_has_role(session_user, p_group, 'MEMBER')
$$;
REVOKE ALL ON FUNCTION clinicdesk_is(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clinicdesk_is(text) TO clinicdesk_staff;

-- ---------------------------------------------------------------- audit log
CREATE TABLE audit_log (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor       text NOT NULL DEFAULT session_user,
  action      text NOT NULL,
  table_name  text NOT NULL,
  row_id      text,
  details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, at DESC);
GRANT SELECT ON audit_log TO clinicdesk_admin;

CREATE FUNCTION audit_log_immutable() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
  RAISE EXCEPTION 'the audit log cannot be changed' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_immutable();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_immutable();

-- Records who changed which row; for updates, which columns changed (names only: no clinical values in the log).
CREATE FUNCTION audit_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  changed text[];
  rid text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    rid := to_jsonb(OLD) ->> 'id';
  ELSE
    rid := to_jsonb(NEW) ->> 'id';
  END IF;
  IF TG_OP = 'UPDATE' THEN
    SELECT array_agg(n.key ORDER BY n.key) INTO changed
      FROM jsonb_each(to_jsonb(NEW)) n
      JOIN jsonb_each(to_jsonb(OLD)) o USING (key)
     WHERE n.value IS DISTINCT FROM o.value;
  END IF;
  INSERT INTO public.audit_log (actor, action, table_name, row_id, details)
  VALUES (session_user, lower(TG_OP), TG_TABLE_NAME, rid,
          CASE WHEN changed IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('changed', to_jsonb(changed)) END);
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION audit_row() FROM PUBLIC;

-- Explicit audit entries for events that are not row writes (sign-in, clinical reads, exports).
CREATE FUNCTION audit_event(p_action text, p_table text, p_row_id text, p_details jsonb DEFAULT '{}')
RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  INSERT INTO public.audit_log (actor, action, table_name, row_id, details)
  VALUES (session_user, left(p_action, 64), left(p_table, 64), left(p_row_id, 64), coalesce(p_details, '{}'))
$$;
REVOKE ALL ON FUNCTION audit_event(text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_event(text, text, text, jsonb) TO clinicdesk_staff;

CREATE FUNCTION touch_updated_at() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN NEW.updated_at := now(); RETURN NEW; END $$;

-- ---------------------------------------------------------------- settings (one row)
CREATE TABLE settings (
  id                 boolean PRIMARY KEY DEFAULT true CHECK (id),
  clinic_name        text NOT NULL CONSTRAINT settings_clinic_name_check CHECK (length(btrim(clinic_name)) BETWEEN 1 AND 120),
  time_zone          text NOT NULL,
  idle_lock_minutes  integer NOT NULL DEFAULT 10 CONSTRAINT settings_idle_lock_minutes_check CHECK (idle_lock_minutes BETWEEN 1 AND 240),
  setup_completed_at timestamptz,
  updated_at         timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT ON settings TO clinicdesk_staff;
GRANT UPDATE (clinic_name, time_zone, idle_lock_minutes) ON settings TO clinicdesk_admin;
CREATE TRIGGER settings_touch BEFORE UPDATE ON settings FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- ---------------------------------------------------------------- departments
CREATE TABLE departments (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL CONSTRAINT departments_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 80),
  description text NOT NULL DEFAULT '' CONSTRAINT departments_description_check CHECK (length(description) <= 1000),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX departments_name_key ON departments (lower(btrim(name)));
GRANT SELECT ON departments TO clinicdesk_staff;
GRANT INSERT, UPDATE, DELETE ON departments TO clinicdesk_admin;
CREATE TRIGGER departments_touch BEFORE UPDATE ON departments FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- ---------------------------------------------------------------- staff (one row per LOGIN role)
CREATE TABLE staff (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username   text NOT NULL CONSTRAINT staff_username_key UNIQUE
             CONSTRAINT staff_username_check CHECK (username ~ '^[a-z][a-z0-9_.]{2,31}$'
               AND username !~ '^(pg_|clinicdesk)' AND username <> 'postgres'),
  full_name  text NOT NULL CONSTRAINT staff_full_name_check CHECK (length(btrim(full_name)) BETWEEN 1 AND 120),
  role       text NOT NULL CONSTRAINT staff_role_check CHECK (role IN ('admin', 'doctor', 'reception')),
  active     boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT ON staff TO clinicdesk_staff;
GRANT UPDATE (full_name) ON staff TO clinicdesk_admin;
CREATE TRIGGER staff_touch BEFORE UPDATE ON staff FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- Staff accounts are created only through these functions: nobody on staff holds CREATEROLE.
-- Passwords arrive as SCRAM-SHA-256 verifiers computed on the client, so no plain password reaches the server.
CREATE FUNCTION clinicdesk_create_staff(p_username text, p_full_name text, p_role text, p_verifier text)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE new_id bigint;
BEGIN
  IF NOT (pg_has_role(session_user, 'clinicdesk_admin', 'MEMBER')
          OR (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)) THEN
    RAISE EXCEPTION 'only an administrator can add staff' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_verifier IS NULL OR p_verifier !~ '^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' THEN
    RAISE EXCEPTION 'password must be a SCRAM-SHA-256 verifier' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_role NOT IN ('admin', 'doctor', 'reception') THEN
    RAISE EXCEPTION 'unknown staff role' USING ERRCODE = 'check_violation', CONSTRAINT = 'staff_role_check';
  END IF;
  -- the row first: its CHECK constraints validate the username before it is used as a role name
  INSERT INTO staff (username, full_name, role) VALUES (p_username, p_full_name, p_role) RETURNING id INTO new_id;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_username) THEN
    RAISE EXCEPTION 'a database role with that name already exists'
      USING ERRCODE = 'unique_violation', CONSTRAINT = 'staff_username_key';
  END IF;
  EXECUTE format('CREATE ROLE %I LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD %L IN ROLE %I',
                 p_username, p_verifier, 'clinicdesk_' || p_role);
  RETURN new_id;
END $$;
REVOKE ALL ON FUNCTION clinicdesk_create_staff(text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clinicdesk_create_staff(text, text, text, text) TO clinicdesk_admin;

CREATE FUNCTION clinicdesk_set_staff_password(p_username text, p_verifier text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM staff WHERE username = p_username) THEN
    RAISE EXCEPTION 'no staff member with that username' USING ERRCODE = 'no_data_found';
  END IF;
  IF NOT (pg_has_role(session_user, 'clinicdesk_admin', 'MEMBER') OR session_user = p_username) THEN
    RAISE EXCEPTION 'only an administrator can reset another person''s password' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_verifier IS NULL OR p_verifier !~ '^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' THEN
    RAISE EXCEPTION 'password must be a SCRAM-SHA-256 verifier' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  EXECUTE format('ALTER ROLE %I PASSWORD %L', p_username, p_verifier);
  PERFORM audit_event('password_reset', 'staff', (SELECT id::text FROM staff WHERE username = p_username));
END $$;
REVOKE ALL ON FUNCTION clinicdesk_set_staff_password(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clinicdesk_set_staff_password(text, text) TO clinicdesk_staff;

CREATE FUNCTION clinicdesk_set_staff_active(p_username text, p_active boolean)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE target staff;
BEGIN
  IF NOT pg_has_role(session_user, 'clinicdesk_admin', 'MEMBER') THEN
    RAISE EXCEPTION 'only an administrator can deactivate staff' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO target FROM staff WHERE username = p_username FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no staff member with that username' USING ERRCODE = 'no_data_found';
  END IF;
  IF NOT p_active AND p_username = session_user THEN
    RAISE EXCEPTION 'you cannot deactivate your own account'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'staff_not_self';
  END IF;
  IF NOT p_active AND target.role = 'admin'
     AND NOT EXISTS (SELECT 1 FROM staff WHERE role = 'admin' AND active AND username <> p_username) THEN
    RAISE EXCEPTION 'the clinic must keep at least one active administrator'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'staff_last_admin';
  END IF;
  UPDATE staff SET active = p_active WHERE username = p_username;
  EXECUTE format('ALTER ROLE %I %s', p_username, CASE WHEN p_active THEN 'LOGIN' ELSE 'NOLOGIN' END);
END $$;
REVOKE ALL ON FUNCTION clinicdesk_set_staff_active(text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clinicdesk_set_staff_active(text, boolean) TO clinicdesk_admin;

-- ---------------------------------------------------------------- doctors and availability
CREATE TABLE doctors (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  staff_id         bigint UNIQUE REFERENCES staff (id),
  department_id    bigint NOT NULL REFERENCES departments (id),
  full_name        text NOT NULL CONSTRAINT doctors_full_name_check CHECK (length(btrim(full_name)) BETWEEN 1 AND 120),
  qualification    text NOT NULL DEFAULT '' CHECK (length(qualification) <= 200),
  experience_years integer NOT NULL DEFAULT 0 CHECK (experience_years BETWEEN 0 AND 80),
  phone            text CHECK (length(phone) <= 32),
  email            text CHECK (length(email) <= 254),
  consultation_fee numeric(10, 2) NOT NULL DEFAULT 0 CHECK (consultation_fee >= 0),
  slot_minutes     integer NOT NULL DEFAULT 15 CHECK (slot_minutes BETWEEN 5 AND 240),
  active           boolean NOT NULL DEFAULT true,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX doctors_department_idx ON doctors (department_id);
GRANT SELECT ON doctors TO clinicdesk_staff;
GRANT INSERT, UPDATE ON doctors TO clinicdesk_admin;
CREATE TRIGGER doctors_touch BEFORE UPDATE ON doctors FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- The doctor row of the signed-in staff member, if any.
CREATE FUNCTION clinicdesk_current_doctor_id() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT d.id FROM doctors d JOIN staff s ON s.id = d.staff_id WHERE s.username = session_user
$$;
REVOKE ALL ON FUNCTION clinicdesk_current_doctor_id() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clinicdesk_current_doctor_id() TO clinicdesk_staff;

CREATE TYPE timerange AS RANGE (subtype = time);

-- Weekly template: sessions per ISO weekday (1 = Monday) in the clinic's time zone.
CREATE TABLE doctor_availability (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  doctor_id bigint NOT NULL REFERENCES doctors (id) ON DELETE CASCADE,
  weekday   smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
  starts_at time NOT NULL,
  ends_at   time NOT NULL,
  CONSTRAINT doctor_availability_order CHECK (ends_at > starts_at),
  CONSTRAINT doctor_availability_no_overlap
    EXCLUDE USING gist (doctor_id WITH =, weekday WITH =, timerange(starts_at, ends_at) WITH &&)
);
GRANT SELECT ON doctor_availability TO clinicdesk_staff;
GRANT INSERT, UPDATE, DELETE ON doctor_availability TO clinicdesk_admin, clinicdesk_doctor;

-- Dated exceptions: a doctor's leave or extra session; doctor_id NULL = clinic-wide holiday.
CREATE TABLE doctor_availability_exceptions (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  doctor_id bigint REFERENCES doctors (id) ON DELETE CASCADE,
  on_date   date NOT NULL,
  kind      text NOT NULL CHECK (kind IN ('leave', 'extra', 'holiday')),
  starts_at time,
  ends_at   time,
  reason    text NOT NULL DEFAULT '' CHECK (length(reason) <= 200),
  CONSTRAINT doctor_availability_exceptions_times CHECK (
    (starts_at IS NULL AND ends_at IS NULL AND kind <> 'extra') OR (starts_at IS NOT NULL AND ends_at > starts_at)),
  CONSTRAINT doctor_availability_exceptions_holiday CHECK ((kind = 'holiday') = (doctor_id IS NULL))
);
CREATE INDEX doctor_availability_exceptions_idx ON doctor_availability_exceptions (doctor_id, on_date);
GRANT SELECT ON doctor_availability_exceptions TO clinicdesk_staff;
GRANT INSERT, UPDATE, DELETE ON doctor_availability_exceptions TO clinicdesk_admin, clinicdesk_doctor;

-- A doctor edits only their own availability; admins edit any.
ALTER TABLE doctor_availability ENABLE ROW LEVEL SECURITY;
CREATE POLICY doctor_availability_read ON doctor_availability FOR SELECT TO clinicdesk_staff USING (true);
CREATE POLICY doctor_availability_admin ON doctor_availability FOR ALL TO clinicdesk_admin USING (true) WITH CHECK (true);
CREATE POLICY doctor_availability_own ON doctor_availability FOR ALL TO clinicdesk_doctor
  USING (doctor_id = clinicdesk_current_doctor_id()) WITH CHECK (doctor_id = clinicdesk_current_doctor_id());
ALTER TABLE doctor_availability_exceptions ENABLE ROW LEVEL SECURITY;
CREATE POLICY doctor_availability_exceptions_read ON doctor_availability_exceptions FOR SELECT TO clinicdesk_staff USING (true);
CREATE POLICY doctor_availability_exceptions_admin ON doctor_availability_exceptions FOR ALL TO clinicdesk_admin USING (true) WITH CHECK (true);
CREATE POLICY doctor_availability_exceptions_own ON doctor_availability_exceptions FOR ALL TO clinicdesk_doctor
  USING (doctor_id = clinicdesk_current_doctor_id()) WITH CHECK (doctor_id = clinicdesk_current_doctor_id());

-- ---------------------------------------------------------------- patients
CREATE SEQUENCE patients_mrn_seq;
CREATE TABLE patients (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  mrn               text NOT NULL DEFAULT ('MRN' || lpad(nextval('patients_mrn_seq')::text, 7, '0'))
                    CONSTRAINT patients_mrn_key UNIQUE,
  full_name         text NOT NULL CONSTRAINT patients_full_name_check CHECK (length(btrim(full_name)) BETWEEN 1 AND 120),
  date_of_birth     date NOT NULL CONSTRAINT patients_date_of_birth_check CHECK (date_of_birth >= '1890-01-01'),
  sex               text NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
  phone             text CHECK (length(phone) <= 32),
  email             text CHECK (length(email) <= 254),
  address           text NOT NULL DEFAULT '' CHECK (length(address) <= 500),
  emergency_contact text NOT NULL DEFAULT '' CHECK (length(emergency_contact) <= 200),
  preferred_channel text NOT NULL DEFAULT 'sms' CHECK (preferred_channel IN ('sms', 'email', 'none')),
  reminder_consent  boolean NOT NULL DEFAULT false,
  blacklisted_at    timestamptz,
  blacklist_reason  text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT patients_blacklist_reason CHECK (blacklisted_at IS NULL OR length(btrim(blacklist_reason)) > 0)
);
CREATE INDEX patients_full_name_trgm_idx ON patients USING gin (full_name gin_trgm_ops);
CREATE INDEX patients_phone_idx ON patients (phone text_pattern_ops);
GRANT SELECT, INSERT, UPDATE ON patients TO clinicdesk_admin, clinicdesk_reception;
GRANT SELECT ON patients TO clinicdesk_doctor;
GRANT USAGE ON SEQUENCE patients_mrn_seq TO clinicdesk_admin, clinicdesk_reception;
CREATE TRIGGER patients_touch BEFORE UPDATE ON patients FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- ---------------------------------------------------------------- appointments
CREATE TABLE appointments (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  doctor_id     bigint NOT NULL REFERENCES doctors (id),
  patient_id    bigint NOT NULL REFERENCES patients (id),
  starts_at     timestamptz NOT NULL,
  ends_at       timestamptz NOT NULL,
  during        tstzrange GENERATED ALWAYS AS (tstzrange(starts_at, ends_at, '[)')) STORED,
  status        text NOT NULL DEFAULT 'booked'
                CONSTRAINT appointments_status_check CHECK (status IN ('booked', 'checked_in', 'completed', 'cancelled', 'no_show')),
  cancel_reason text CHECK (length(cancel_reason) <= 500),
  overbooked    boolean NOT NULL DEFAULT false,
  booked_by     text NOT NULL DEFAULT session_user,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT appointments_order CHECK (ends_at > starts_at),
  CONSTRAINT appointments_cancel_reason CHECK (status <> 'cancelled' OR length(btrim(cancel_reason)) > 0),
  CONSTRAINT appointments_no_doctor_overlap
    EXCLUDE USING gist (doctor_id WITH =, during WITH &&) WHERE (status <> 'cancelled' AND NOT overbooked),
  CONSTRAINT appointments_no_patient_overlap
    EXCLUDE USING gist (patient_id WITH =, during WITH &&) WHERE (status <> 'cancelled')
);
CREATE INDEX appointments_starts_at_idx ON appointments (starts_at);
CREATE INDEX appointments_patient_idx ON appointments (patient_id, starts_at DESC);
GRANT SELECT ON appointments TO clinicdesk_staff;
GRANT INSERT (doctor_id, patient_id, starts_at, ends_at, overbooked), UPDATE (starts_at, ends_at, status, cancel_reason)
  ON appointments TO clinicdesk_admin, clinicdesk_reception;
GRANT UPDATE (status) ON appointments TO clinicdesk_doctor;
CREATE TRIGGER appointments_touch BEFORE UPDATE ON appointments FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- booked → checked_in → completed; booked/checked_in → cancelled | no_show. Nothing moves back, except an
-- administrator's correction that names its reason in the transaction (SET LOCAL clinicdesk.correction_reason).
CREATE FUNCTION appointments_status_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
  IF NEW.status = OLD.status THEN
    RETURN NEW;
  END IF;
  IF (OLD.status, NEW.status) IN (('booked', 'checked_in'), ('checked_in', 'completed'), ('booked', 'cancelled'),
                                  ('checked_in', 'cancelled'), ('booked', 'no_show'), ('checked_in', 'no_show')) THEN
    RETURN NEW;
  END IF;
  IF clinicdesk_is('clinicdesk_admin') AND coalesce(current_setting('clinicdesk.correction_reason', true), '') <> '' THEN
    PERFORM audit_event('status_correction', 'appointments', OLD.id::text,
      jsonb_build_object('from', OLD.status, 'to', NEW.status, 'reason', current_setting('clinicdesk.correction_reason')));
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'an appointment cannot go from % to %', OLD.status, NEW.status
    USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_status_transition';
END $$;
CREATE TRIGGER appointments_status BEFORE UPDATE OF status ON appointments
  FOR EACH ROW EXECUTE FUNCTION appointments_status_guard();
-- A doctor changes the status only of their own appointments.
ALTER TABLE appointments ENABLE ROW LEVEL SECURITY;
CREATE POLICY appointments_read ON appointments FOR SELECT TO clinicdesk_staff USING (true);
CREATE POLICY appointments_desk_insert ON appointments FOR INSERT TO clinicdesk_admin, clinicdesk_reception WITH CHECK (true);
CREATE POLICY appointments_desk_update ON appointments FOR UPDATE TO clinicdesk_admin, clinicdesk_reception USING (true) WITH CHECK (true);
CREATE POLICY appointments_doctor_update ON appointments FOR UPDATE TO clinicdesk_doctor
  USING (doctor_id = clinicdesk_current_doctor_id()) WITH CHECK (doctor_id = clinicdesk_current_doctor_id());

-- ---------------------------------------------------------------- treatments (clinical)
CREATE TABLE treatments (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  appointment_id  bigint NOT NULL CONSTRAINT treatments_appointment_key UNIQUE REFERENCES appointments (id),
  visit_type      text NOT NULL CHECK (visit_type IN ('consultation', 'follow_up', 'emergency', 'procedure')),
  symptoms        text NOT NULL DEFAULT '' CHECK (length(symptoms) <= 4000),
  diagnosis       text NOT NULL DEFAULT '' CHECK (length(diagnosis) <= 4000),
  icd10_code      text CHECK (icd10_code ~ '^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$'),
  treatment_given text NOT NULL DEFAULT '' CHECK (length(treatment_given) <= 4000),
  prescription    jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(prescription) = 'array'),
  notes           text NOT NULL DEFAULT '' CHECK (length(notes) <= 8000),
  next_visit_on   date,
  recorded_by     text NOT NULL DEFAULT session_user,
  version         integer NOT NULL DEFAULT 1,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
-- Reception sees that a visit happened (and when to recall the patient), never its clinical content.
GRANT SELECT ON treatments TO clinicdesk_admin, clinicdesk_doctor;
GRANT SELECT (id, appointment_id, visit_type, next_visit_on, created_at) ON treatments TO clinicdesk_reception;
GRANT INSERT (appointment_id, visit_type, symptoms, diagnosis, icd10_code, treatment_given, prescription, notes, next_visit_on),
      UPDATE (visit_type, symptoms, diagnosis, icd10_code, treatment_given, prescription, notes, next_visit_on, version)
  ON treatments TO clinicdesk_doctor;
CREATE TRIGGER treatments_touch BEFORE UPDATE ON treatments FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
ALTER TABLE treatments ENABLE ROW LEVEL SECURITY;
CREATE POLICY treatments_read ON treatments FOR SELECT TO clinicdesk_staff USING (true);
CREATE POLICY treatments_doctor_insert ON treatments FOR INSERT TO clinicdesk_doctor
  WITH CHECK (EXISTS (SELECT 1 FROM appointments a WHERE a.id = appointment_id AND a.doctor_id = clinicdesk_current_doctor_id()));
CREATE POLICY treatments_doctor_update ON treatments FOR UPDATE TO clinicdesk_doctor
  USING (EXISTS (SELECT 1 FROM appointments a WHERE a.id = appointment_id AND a.doctor_id = clinicdesk_current_doctor_id()))
  WITH CHECK (EXISTS (SELECT 1 FROM appointments a WHERE a.id = appointment_id AND a.doctor_id = clinicdesk_current_doctor_id()));

-- ---------------------------------------------------------------- outbox, jobs, exports
CREATE TABLE notifications (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  dedupe_key      text NOT NULL CONSTRAINT notifications_dedupe_key UNIQUE,
  channel         text NOT NULL CHECK (channel IN ('email', 'sms', 'chat')),
  recipient       text NOT NULL,
  subject         text NOT NULL DEFAULT '',
  body            text NOT NULL,
  body_html       text,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text,
  appointment_id  bigint REFERENCES appointments (id) ON DELETE SET NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz
);
CREATE INDEX notifications_due_idx ON notifications (next_attempt_at) WHERE status = 'pending';
GRANT SELECT, UPDATE (status, next_attempt_at, last_error) ON notifications TO clinicdesk_admin;
GRANT INSERT (dedupe_key, channel, recipient, subject, body, body_html, appointment_id) ON notifications
  TO clinicdesk_admin, clinicdesk_reception, clinicdesk_doctor;

CREATE TABLE job_runs (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job         text NOT NULL,
  period      text NOT NULL,
  host        text NOT NULL,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  outcome     text CHECK (outcome IN ('ok', 'failed')),
  counts      jsonb NOT NULL DEFAULT '{}',
  error       text,
  CONSTRAINT job_runs_job_period_key UNIQUE (job, period)
);
GRANT SELECT ON job_runs TO clinicdesk_admin;

CREATE TABLE exports (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  requested_by text NOT NULL DEFAULT session_user,
  kind         text NOT NULL CHECK (kind IN ('patient_history', 'visits', 'audit_log')),
  patient_id   bigint REFERENCES patients (id),
  path         text NOT NULL,
  status       text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
  rows_written bigint NOT NULL DEFAULT 0,
  bytes        bigint NOT NULL DEFAULT 0,
  error        text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz
);
GRANT SELECT ON exports TO clinicdesk_admin, clinicdesk_doctor;
GRANT INSERT (kind, patient_id, path), UPDATE (status, rows_written, bytes, error, finished_at) ON exports
  TO clinicdesk_admin, clinicdesk_doctor;
ALTER TABLE exports ENABLE ROW LEVEL SECURITY;
CREATE POLICY exports_admin ON exports FOR ALL TO clinicdesk_admin USING (true) WITH CHECK (true);
CREATE POLICY exports_own ON exports FOR ALL TO clinicdesk_doctor
  USING (requested_by = session_user) WITH CHECK (requested_by = session_user);

-- ---------------------------------------------------------------- audit every write
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['settings', 'departments', 'staff', 'doctors', 'doctor_availability',
                           'doctor_availability_exceptions', 'patients', 'appointments', 'treatments',
                           'notifications', 'exports'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION audit_row()',
                   t || '_audit', t);
  END LOOP;
END $$;
