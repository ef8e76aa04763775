-- Issue 11: the database boundary, closed by construction.
--
-- 1. No shadowing. Staff sessions may not create temporary objects (no TEMPORARY on the database), and every
--    SECURITY DEFINER function and every trigger function pins `search_path = pg_catalog, public, pg_temp`
--    (pg_temp last: PostgreSQL searches it FIRST when it is not listed) and schema-qualifies every relation and
--    ClinicDesk function it names. tests/attacks.rs enumerates the catalog, so a new function cannot slip.
-- 2. The outbox is written only by database code. No staff role holds INSERT on `notifications`: a patient's
--    message is composed here from the appointment and patient rows, by a trigger on the appointment's own
--    write (booked, moved, cancelled), and the jobs enqueue reminders, the staff digest and report emails
--    through functions that compose them. The session never chooses a recipient, a text or a dedupe key.
-- 3. Smaller: audit details are capped; deactivating a member ends their open sessions; the password function
--    refuses any role that is not a staff login (superusers and the owner above all).

-- ---------------------------------------------------------------- 1. no temporary objects for staff
DO $$
BEGIN
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC, clinicdesk_staff', current_database());
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO clinicdesk_staff', current_database());
END $$;

-- ---------------------------------------------------------------- helpers, pinned and qualified
CREATE OR REPLACE FUNCTION clinicdesk_is(p_group text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
  SELECT pg_catalog.pg_has_role(session_user, p_group, 'MEMBER')
$$;

CREATE OR REPLACE FUNCTION audit_log_immutable() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  RAISE EXCEPTION 'the audit log cannot be changed' USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE OR REPLACE FUNCTION audit_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  changed text[];
  rid text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    rid := pg_catalog.to_jsonb(OLD) ->> 'id';
  ELSE
    rid := pg_catalog.to_jsonb(NEW) ->> 'id';
  END IF;
  IF TG_OP = 'UPDATE' THEN
    SELECT pg_catalog.array_agg(n.key ORDER BY n.key) INTO changed
      FROM pg_catalog.jsonb_each(pg_catalog.to_jsonb(NEW)) n
      JOIN pg_catalog.jsonb_each(pg_catalog.to_jsonb(OLD)) o USING (key)
     WHERE n.value IS DISTINCT FROM o.value;
  END IF;
  INSERT INTO public.audit_log (actor, action, table_name, row_id, details)
  VALUES (session_user, pg_catalog.lower(TG_OP), TG_TABLE_NAME, rid,
          CASE WHEN changed IS NULL THEN '{}'::jsonb ELSE pg_catalog.jsonb_build_object('changed', pg_catalog.to_jsonb(changed)) END);
  RETURN NULL;
END $$;

-- Details are for context (ids, counts, a reason), never documents: over 2 kB they are replaced by their size.
CREATE OR REPLACE FUNCTION audit_event(p_action text, p_table text, p_row_id text, p_details jsonb DEFAULT '{}')
RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
  INSERT INTO public.audit_log (actor, action, table_name, row_id, details)
  VALUES (session_user, pg_catalog.left(p_action, 64), pg_catalog.left(p_table, 64), pg_catalog.left(p_row_id, 64),
          CASE WHEN pg_catalog.octet_length(coalesce(p_details, '{}')::text) <= 2048 THEN coalesce(p_details, '{}')
               ELSE pg_catalog.jsonb_build_object('truncated', true,
                                                  'bytes', pg_catalog.octet_length(p_details::text)) END)
$$;

CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN NEW.updated_at := pg_catalog.now(); RETURN NEW; END $$;

-- ---------------------------------------------------------------- staff accounts
-- A role the staff functions may touch: a row in public.staff AND a login role in one ClinicDesk group, never a
-- superuser, never a role that can create roles or databases.
CREATE FUNCTION clinicdesk_is_staff_role(p_username text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM public.staff s WHERE s.username = p_username)
     AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                  WHERE r.rolname = p_username AND NOT r.rolsuper AND NOT r.rolcreaterole AND NOT r.rolcreatedb
                    AND NOT r.rolreplication AND NOT r.rolbypassrls
                    AND (pg_catalog.pg_has_role(r.oid, 'clinicdesk_admin', 'MEMBER')
                         OR pg_catalog.pg_has_role(r.oid, 'clinicdesk_doctor', 'MEMBER')
                         OR pg_catalog.pg_has_role(r.oid, 'clinicdesk_reception', 'MEMBER')))
$$;
REVOKE ALL ON FUNCTION clinicdesk_is_staff_role(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION clinicdesk_create_staff(p_username text, p_full_name text, p_role text, p_verifier text)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE new_id bigint;
BEGIN
  IF NOT (pg_catalog.pg_has_role(session_user, 'clinicdesk_admin', 'MEMBER')
          OR (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = session_user)) THEN
    RAISE EXCEPTION 'only an administrator can add staff' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_verifier IS NULL OR p_verifier !~ '^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' THEN
    RAISE EXCEPTION 'password must be a SCRAM-SHA-256 verifier' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_role IS NULL OR p_role NOT IN ('admin', 'doctor', 'reception') THEN
    RAISE EXCEPTION 'unknown staff role' USING ERRCODE = 'check_violation', CONSTRAINT = 'staff_role_check';
  END IF;
  -- the row first: its CHECK constraints validate the username before it is used as a role name
  INSERT INTO public.staff (username, full_name, role) VALUES (p_username, p_full_name, p_role) RETURNING id INTO new_id;
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = p_username) THEN
    RAISE EXCEPTION 'a database role with that name already exists'
      USING ERRCODE = 'unique_violation', CONSTRAINT = 'staff_username_key';
  END IF;
  EXECUTE pg_catalog.format('CREATE ROLE %I LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD %L IN ROLE %I',
                            p_username, p_verifier, 'clinicdesk_' || p_role);
  RETURN new_id;
END $$;

CREATE OR REPLACE FUNCTION clinicdesk_set_staff_password(p_username text, p_verifier text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF NOT public.clinicdesk_is_staff_role(p_username) THEN
    RAISE EXCEPTION 'no staff member with that username' USING ERRCODE = 'no_data_found';
  END IF;
  IF NOT (pg_catalog.pg_has_role(session_user, 'clinicdesk_admin', 'MEMBER') OR session_user = p_username) THEN
    RAISE EXCEPTION 'only an administrator can reset another person''s password' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_verifier IS NULL OR p_verifier !~ '^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' THEN
    RAISE EXCEPTION 'password must be a SCRAM-SHA-256 verifier' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  EXECUTE pg_catalog.format('ALTER ROLE %I PASSWORD %L', p_username, p_verifier);
  PERFORM public.audit_event('password_reset', 'staff', (SELECT s.id::text FROM public.staff s WHERE s.username = p_username));
END $$;

-- Deactivating a member also ends the sessions they have open, so the change takes effect at once.
CREATE OR REPLACE FUNCTION clinicdesk_set_staff_active(p_username text, p_active boolean)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE target public.staff;
BEGIN
  IF NOT pg_catalog.pg_has_role(session_user, 'clinicdesk_admin', 'MEMBER') THEN
    RAISE EXCEPTION 'only an administrator can deactivate staff' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO target FROM public.staff s WHERE s.username = p_username FOR UPDATE;
  IF NOT FOUND OR NOT public.clinicdesk_is_staff_role(p_username) THEN
    RAISE EXCEPTION 'no staff member with that username' USING ERRCODE = 'no_data_found';
  END IF;
  IF NOT p_active AND p_username = session_user THEN
    RAISE EXCEPTION 'you cannot deactivate your own account'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'staff_not_self';
  END IF;
  IF NOT p_active AND target.role = 'admin'
     AND NOT EXISTS (SELECT 1 FROM public.staff s WHERE s.role = 'admin' AND s.active AND s.username <> p_username) THEN
    RAISE EXCEPTION 'the clinic must keep at least one active administrator'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'staff_last_admin';
  END IF;
  UPDATE public.staff SET active = p_active WHERE username = p_username;
  EXECUTE pg_catalog.format('ALTER ROLE %I %s', p_username, CASE WHEN p_active THEN 'LOGIN' ELSE 'NOLOGIN' END);
  IF NOT p_active THEN
    PERFORM pg_catalog.pg_terminate_backend(a.pid)
       FROM pg_catalog.pg_stat_activity a
      WHERE a.usename = p_username AND a.pid <> pg_catalog.pg_backend_pid();
  END IF;
END $$;

CREATE OR REPLACE FUNCTION clinicdesk_current_doctor_id() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
  SELECT d.id FROM public.doctors d JOIN public.staff s ON s.id = d.staff_id WHERE s.username = session_user
$$;

-- ---------------------------------------------------------------- appointment rules
CREATE OR REPLACE FUNCTION appointments_status_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF NEW.status = OLD.status THEN
    RETURN NEW;
  END IF;
  IF (OLD.status, NEW.status) IN (('booked', 'checked_in'), ('checked_in', 'completed'), ('booked', 'cancelled'),
                                  ('checked_in', 'cancelled'), ('booked', 'no_show'), ('checked_in', 'no_show')) THEN
    RETURN NEW;
  END IF;
  IF public.clinicdesk_is('clinicdesk_admin')
     AND coalesce(pg_catalog.current_setting('clinicdesk.correction_reason', true), '') <> '' THEN
    PERFORM public.audit_event('status_correction', 'appointments', OLD.id::text,
      pg_catalog.jsonb_build_object('from', OLD.status, 'to', NEW.status,
                                    'reason', pg_catalog.current_setting('clinicdesk.correction_reason')));
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'an appointment cannot go from % to %', OLD.status, NEW.status
    USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_status_transition';
END $$;

CREATE OR REPLACE FUNCTION appointments_booking_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  loader boolean := (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user);
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.starts_at = OLD.starts_at AND NEW.doctor_id = OLD.doctor_id
     AND NEW.patient_id = OLD.patient_id AND NEW.overbooked = OLD.overbooked THEN
    RETURN NEW;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM public.doctors d WHERE d.id = NEW.doctor_id AND d.active) THEN
    RAISE EXCEPTION 'this doctor is inactive and cannot be booked'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_doctor_active';
  END IF;
  IF EXISTS (SELECT 1 FROM public.patients p WHERE p.id = NEW.patient_id AND p.blacklisted_at IS NOT NULL) THEN
    RAISE EXCEPTION 'this patient is blacklisted and cannot be booked'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_patient_not_blacklisted';
  END IF;
  -- bulk loads by the owner (demo data, restores) may write history; staff book from now on
  IF NOT coalesce(loader, false) AND NEW.starts_at < pg_catalog.now() - interval '5 minutes' THEN
    RAISE EXCEPTION 'appointments cannot start in the past'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_not_in_past';
  END IF;
  IF NEW.overbooked AND NOT coalesce(loader, false) AND NOT public.clinicdesk_is('clinicdesk_admin') THEN
    RAISE EXCEPTION 'only an administrator can overbook'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION clinicdesk_next_mrn() RETURNS text
LANGUAGE sql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
  SELECT 'MRN' || CASE WHEN n < 10000000 THEN pg_catalog.lpad(n::text, 7, '0') ELSE n::text END
    FROM (SELECT pg_catalog.nextval('public.patients_mrn_seq') AS n) s
$$;

CREATE OR REPLACE FUNCTION treatments_keep_previous() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  changed text[];
BEGIN
  SELECT pg_catalog.array_agg(n.key ORDER BY n.key) INTO changed
    FROM pg_catalog.jsonb_each(pg_catalog.to_jsonb(NEW)) n
    JOIN pg_catalog.jsonb_each(pg_catalog.to_jsonb(OLD)) o USING (key)
   WHERE n.value IS DISTINCT FROM o.value
     AND n.key IN ('visit_type', 'symptoms', 'diagnosis', 'icd10_code', 'treatment_given', 'prescription', 'notes', 'next_visit_on');
  IF changed IS NULL THEN
    RETURN NEW;
  END IF;
  IF NOT (OLD.recorded_by = session_user OR pg_catalog.pg_has_role(session_user, 'clinicdesk_admin', 'MEMBER')) THEN
    RAISE EXCEPTION 'only the doctor who recorded this treatment or an administrator can amend it'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  INSERT INTO public.treatment_amendments (treatment_id, version, amended_by, changed, previous)
  VALUES (OLD.id, OLD.version, session_user, changed,
          pg_catalog.jsonb_build_object('visit_type', OLD.visit_type, 'symptoms', OLD.symptoms, 'diagnosis', OLD.diagnosis,
                             'icd10_code', OLD.icd10_code, 'treatment_given', OLD.treatment_given,
                             'prescription', OLD.prescription, 'notes', OLD.notes, 'next_visit_on', OLD.next_visit_on));
  NEW.version := OLD.version + 1;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION cache_notify() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  new_doctor text;
  old_doctor text;
BEGIN
  IF TG_TABLE_NAME IN ('appointments', 'doctor_availability', 'doctor_availability_exceptions') THEN
    IF TG_OP <> 'DELETE' THEN new_doctor := coalesce(pg_catalog.to_jsonb(NEW) ->> 'doctor_id', ''); END IF;
    IF TG_OP <> 'INSERT' THEN old_doctor := coalesce(pg_catalog.to_jsonb(OLD) ->> 'doctor_id', ''); END IF;
  ELSIF TG_TABLE_NAME = 'doctors' THEN
    IF TG_OP <> 'DELETE' THEN new_doctor := NEW.id::text; END IF;
    IF TG_OP <> 'INSERT' THEN old_doctor := OLD.id::text; END IF;
  ELSE
    new_doctor := '';
  END IF;
  IF new_doctor IS NOT NULL THEN
    PERFORM pg_catalog.pg_notify('clinicdesk_cache', TG_TABLE_NAME || ':' || new_doctor);
  END IF;
  IF old_doctor IS NOT NULL AND old_doctor IS DISTINCT FROM new_doctor THEN
    PERFORM pg_catalog.pg_notify('clinicdesk_cache', TG_TABLE_NAME || ':' || old_doctor);
  END IF;
  RETURN NULL;
END $$;

-- ---------------------------------------------------------------- 2. the outbox, composed by the database
REVOKE INSERT ON notifications FROM clinicdesk_admin, clinicdesk_reception, clinicdesk_doctor;
REVOKE SELECT ON notifications FROM clinicdesk_reception, clinicdesk_doctor;

-- "Tue 3 Dec at 09:30" in the clinic's time zone.
CREATE FUNCTION clinicdesk_local_when(p_at timestamptz) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
  SELECT pg_catalog.to_char(p_at AT TIME ZONE coalesce((SELECT s.time_zone FROM public.settings s), 'UTC'),
                            'Dy FMDD Mon "at" HH24:MI')
$$;
REVOKE ALL ON FUNCTION clinicdesk_local_when(timestamptz) FROM PUBLIC;

-- The one place a patient's message is written: for an appointment event ('booked', 'rescheduled', 'cancelled',
-- 'reminder'), to a patient who consented, by the preferred channel or else the other contact, with only clinic,
-- doctor, date and time (no department, no reason, nothing clinical). Returns 'queued', 'duplicate' or 'no_contact'.
-- Not callable by staff: triggers and the job functions below call it.
CREATE FUNCTION clinicdesk_enqueue_patient_message(p_appointment_id bigint, p_event text, p_dedupe_key text)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  a record;
  v_channel text;
  v_recipient text;
  v_first text;
  v_clinic text;
  v_when text;
  v_subject text;
  v_body text;
  v_id bigint;
BEGIN
  SELECT ap.id, ap.starts_at, d.full_name AS doctor_name, p.full_name AS patient_name, p.reminder_consent,
         p.preferred_channel, nullif(pg_catalog.btrim(p.phone), '') AS phone, nullif(pg_catalog.btrim(p.email), '') AS email
    INTO a
    FROM public.appointments ap
    JOIN public.doctors d ON d.id = ap.doctor_id
    JOIN public.patients p ON p.id = ap.patient_id
   WHERE ap.id = p_appointment_id;
  IF NOT FOUND OR NOT a.reminder_consent THEN
    RETURN 'no_contact';
  END IF;
  IF (a.preferred_channel = 'sms' AND a.phone IS NOT NULL)
     OR (a.preferred_channel = 'email' AND a.email IS NULL AND a.phone IS NOT NULL) THEN
    v_channel := 'sms'; v_recipient := a.phone;
  ELSIF (a.preferred_channel = 'email' AND a.email IS NOT NULL)
     OR (a.preferred_channel = 'sms' AND a.phone IS NULL AND a.email IS NOT NULL) THEN
    v_channel := 'email'; v_recipient := a.email;
  ELSE
    RETURN 'no_contact';
  END IF;
  v_first := coalesce(nullif(pg_catalog.split_part(pg_catalog.btrim(a.patient_name), ' ', 1), ''), 'there');
  v_clinic := coalesce((SELECT s.clinic_name FROM public.settings s), 'the clinic');
  v_when := public.clinicdesk_local_when(a.starts_at);
  CASE p_event
    WHEN 'booked' THEN
      v_subject := 'Appointment confirmed';
      v_body := pg_catalog.format('Hello %s, your appointment at %s with %s is confirmed for %s.',
                                  v_first, v_clinic, a.doctor_name, v_when);
    WHEN 'reminder' THEN
      v_subject := 'Appointment reminder';
      v_body := pg_catalog.format('Hello %s, this is a reminder of your appointment at %s with %s on %s. Reply or call us if you cannot come.',
                                  v_first, v_clinic, a.doctor_name, v_when);
    WHEN 'rescheduled' THEN
      v_subject := 'Appointment moved';
      v_body := pg_catalog.format('Hello %s, your appointment at %s with %s has moved to %s.',
                                  v_first, v_clinic, a.doctor_name, v_when);
    WHEN 'cancelled' THEN
      v_subject := 'Appointment cancelled';
      v_body := pg_catalog.format('Hello %s, your appointment at %s with %s on %s has been cancelled. Call us to book another.',
                                  v_first, v_clinic, a.doctor_name, v_when);
    ELSE
      RAISE EXCEPTION 'unknown message event %', p_event USING ERRCODE = 'invalid_parameter_value';
  END CASE;
  INSERT INTO public.notifications (dedupe_key, kind, channel, recipient, subject, body, appointment_id)
  VALUES (p_dedupe_key, CASE WHEN p_event = 'reminder' THEN 'reminder' ELSE 'confirmation' END,
          v_channel, v_recipient, v_clinic || ': ' || v_subject, v_body, a.id)
  ON CONFLICT (dedupe_key) DO NOTHING
  RETURNING id INTO v_id;
  RETURN CASE WHEN v_id IS NULL THEN 'duplicate' ELSE 'queued' END;
END $$;
REVOKE ALL ON FUNCTION clinicdesk_enqueue_patient_message(bigint, text, text) FROM PUBLIC;

-- What staff do to an appointment tells the patient: booked (insert), moved (a new start while booked),
-- cancelled. Only staff sessions' writes send: the owner's bulk loads (demo data, restores, migrations) do not.
CREATE FUNCTION appointments_patient_message() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  v_event text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = session_user AND NOT r.rolsuper)
     OR NOT pg_catalog.pg_has_role(session_user, 'clinicdesk_staff', 'MEMBER') THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    v_event := 'booked';
  ELSIF NEW.status = 'cancelled' AND OLD.status <> 'cancelled' THEN
    v_event := 'cancelled';
  ELSIF NEW.status = 'booked' AND NEW.starts_at <> OLD.starts_at THEN
    v_event := 'rescheduled';
  ELSE
    RETURN NULL;
  END IF;
  PERFORM public.clinicdesk_enqueue_patient_message(NEW.id, v_event,
    'appointment:' || NEW.id || ':' || v_event || ':' || extract(epoch FROM NEW.starts_at)::bigint);
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION appointments_patient_message() FROM PUBLIC;
CREATE TRIGGER appointments_patient_message AFTER INSERT OR UPDATE OF starts_at, status ON appointments
  FOR EACH ROW EXECUTE FUNCTION appointments_patient_message();

-- Only the processes that run jobs: the owner (embedded app, clinicctl agent) or an administrator's session.
CREATE FUNCTION clinicdesk_require_job_runner() RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF NOT (pg_catalog.pg_has_role(session_user, 'clinicdesk_admin', 'MEMBER')
          OR session_user = (SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c
                              WHERE c.oid = 'public.notifications'::pg_catalog.regclass)
          OR coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = session_user), false)) THEN
    RAISE EXCEPTION 'only an administrator can run jobs' USING ERRCODE = 'insufficient_privilege';
  END IF;
END $$;
REVOKE ALL ON FUNCTION clinicdesk_require_job_runner() FROM PUBLIC;

-- Reminders for the booked appointments on a clinic-local day that have not started yet; p_tag 'day' (the
-- morning of) or 'eve' (the evening before). One dedupe key per appointment, tag and day: a rerun queues nothing.
CREATE FUNCTION clinicdesk_enqueue_reminders(p_date date, p_tag text)
RETURNS TABLE (appointments bigint, queued bigint, already_queued bigint, no_contact bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  tz text := coalesce((SELECT s.time_zone FROM public.settings s), 'UTC');
  r record;
  outcome text;
BEGIN
  PERFORM public.clinicdesk_require_job_runner();
  IF p_tag IS NULL OR p_tag NOT IN ('day', 'eve') THEN
    RAISE EXCEPTION 'unknown reminder kind' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  appointments := 0; queued := 0; already_queued := 0; no_contact := 0;
  FOR r IN SELECT a.id FROM public.appointments a
            WHERE a.starts_at >= (p_date::timestamp AT TIME ZONE tz)
              AND a.starts_at < ((p_date + 1)::timestamp AT TIME ZONE tz)
              AND a.starts_at > pg_catalog.now() AND a.status = 'booked'
            ORDER BY a.starts_at, a.id LOOP
    appointments := appointments + 1;
    outcome := public.clinicdesk_enqueue_patient_message(r.id, 'reminder',
                 'reminder:' || r.id || ':' || p_tag || ':' || p_date);
    CASE outcome
      WHEN 'queued' THEN queued := queued + 1;
      WHEN 'duplicate' THEN already_queued := already_queued + 1;
      ELSE no_contact := no_contact + 1;
    END CASE;
  END LOOP;
  RETURN NEXT;
END $$;
REVOKE ALL ON FUNCTION clinicdesk_enqueue_reminders(date, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clinicdesk_enqueue_reminders(date, text) TO clinicdesk_admin;

-- "Today 42 appointments — Dr. Rao 12, Dr. Lee 9" to the staff chat, when it is set up and wanted: counts and
-- doctors' names only, never patients. True when a digest was queued.
CREATE FUNCTION clinicdesk_enqueue_staff_digest(p_date date)
RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  tz text := coalesce((SELECT s.time_zone FROM public.settings s), 'UTC');
  v_total bigint;
  v_list text;
  v_day text;
  v_body text;
  v_id bigint;
BEGIN
  PERFORM public.clinicdesk_require_job_runner();
  IF NOT coalesce((SELECT j.staff_digest_enabled FROM public.job_settings j), false)
     OR coalesce((SELECT c.chat_webhook_url FROM public.channel_settings c), '') = '' THEN
    RETURN false;
  END IF;
  SELECT coalesce(sum(n), 0), string_agg(full_name || ' ' || n, ', ' ORDER BY n DESC, full_name)
    INTO v_total, v_list
    FROM (SELECT d.full_name, count(*) AS n
            FROM public.appointments a JOIN public.doctors d ON d.id = a.doctor_id
           WHERE a.starts_at >= (p_date::timestamp AT TIME ZONE tz)
             AND a.starts_at < ((p_date + 1)::timestamp AT TIME ZONE tz)
             AND a.status <> 'cancelled'
           GROUP BY d.full_name) per_doctor;
  v_day := CASE WHEN p_date = (pg_catalog.now() AT TIME ZONE tz)::date THEN 'Today'
                ELSE pg_catalog.to_char(p_date, 'Dy FMDD Mon') END;
  v_body := CASE WHEN v_total = 0 THEN v_day || ': no appointments.'
                 ELSE v_day || ' ' || v_total || ' appointment' || CASE WHEN v_total = 1 THEN '' ELSE 's' END
                      || ' — ' || v_list END;
  INSERT INTO public.notifications (dedupe_key, kind, channel, recipient, subject, body)
  VALUES ('digest:' || p_date, 'digest', 'chat', 'staff chat', '', v_body)
  ON CONFLICT (dedupe_key) DO NOTHING
  RETURNING id INTO v_id;
  RETURN v_id IS NOT NULL;
END $$;
REVOKE ALL ON FUNCTION clinicdesk_enqueue_staff_digest(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clinicdesk_enqueue_staff_digest(date) TO clinicdesk_admin;

-- A month's reports by email: each doctor's own report to the doctor's address on file, the clinic summary to
-- the report recipients in the job settings. The HTML is the stored report (written by the report job, audited).
CREATE FUNCTION clinicdesk_enqueue_report_emails(p_month date)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  v_clinic text := coalesce((SELECT s.clinic_name FROM public.settings s), 'the clinic');
  v_label text := pg_catalog.to_char(p_month, 'FMMonth YYYY');
  v_period text := pg_catalog.to_char(p_month, 'YYYY-MM');
  v_n bigint := 0;
  v_rows bigint;
BEGIN
  PERFORM public.clinicdesk_require_job_runner();
  INSERT INTO public.notifications (dedupe_key, kind, channel, recipient, subject, body, body_html)
  SELECT 'report:' || v_period || ':doctor:' || d.id, 'report', 'email', pg_catalog.btrim(d.email),
         v_clinic || ': your report for ' || v_label,
         'Your ClinicDesk report for ' || v_label || ' is attached as HTML. It is also in ClinicDesk under Reports.',
         r.html
    FROM public.reports r JOIN public.doctors d ON d.id = r.doctor_id
   WHERE r.month = p_month AND d.active AND coalesce(pg_catalog.btrim(d.email), '') <> ''
   ORDER BY d.id
  ON CONFLICT (dedupe_key) DO NOTHING;
  GET DIAGNOSTICS v_rows = ROW_COUNT;
  v_n := v_n + v_rows;
  INSERT INTO public.notifications (dedupe_key, kind, channel, recipient, subject, body, body_html)
  SELECT 'report:' || v_period || ':clinic:' || pg_catalog.lower(addr), 'report', 'email', addr,
         v_clinic || ': monthly summary for ' || v_label,
         'The ClinicDesk summary for ' || v_label || '. It is also in ClinicDesk under Reports.',
         r.html
    FROM public.reports r,
         LATERAL (SELECT DISTINCT pg_catalog.btrim(x) AS addr
                    FROM pg_catalog.regexp_split_to_table((SELECT j.report_recipients FROM public.job_settings j), ',') x
                   WHERE pg_catalog.btrim(x) <> '') rcpt
   WHERE r.month = p_month AND r.doctor_id IS NULL
  ON CONFLICT (dedupe_key) DO NOTHING;
  GET DIAGNOSTICS v_rows = ROW_COUNT;
  RETURN v_n + v_rows;
END $$;
REVOKE ALL ON FUNCTION clinicdesk_enqueue_report_emails(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clinicdesk_enqueue_report_emails(date) TO clinicdesk_admin;

-- ---------------------------------------------------------------- 3. a running job proves it is alive
-- A run beats its heart every 30 s while it works; a run whose heart stopped for 3 minutes belonged to a PC
-- that died and may be claimed again, however long a healthy backup or report takes.
ALTER TABLE job_runs ADD COLUMN heartbeat_at timestamptz NOT NULL DEFAULT now();
GRANT UPDATE (heartbeat_at) ON job_runs TO clinicdesk_admin;
