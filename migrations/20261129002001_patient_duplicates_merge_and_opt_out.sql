-- Issue 15 (parts 3 and 4): one record per patient, and an opt-out that holds.
--
-- 1. Opt-out recorded properly. A patient's message consent says when it was given or withdrawn, by whom and how
--    (at the desk, by message, on paper). The date and the person are stamped here from the session, never sent by
--    the desk; the method must be given whenever the consent changes. `opted_out` means no message of any kind:
--    the functions that compose the outbox refuse to write one (enforced here, not in Rust).
-- 2. Duplicates. Indexes for the duplicate check (same date of birth with a similar name, same phone, same email).
-- 3. Merge. `clinicdesk_merge_patients` (administrators only) moves every patient-linked row to the surviving
--    record in one transaction and keeps the merged record as a tombstone pointing at the survivor. Staff never
--    write the tombstone columns: the table grants become column grants, and a tombstone cannot be edited.

-- ---------------------------------------------------------------- columns
ALTER TABLE patients
  ADD COLUMN opted_out           boolean NOT NULL DEFAULT false,
  ADD COLUMN consent_method      text CONSTRAINT patients_consent_method_check
                                      CHECK (consent_method IN ('desk', 'message', 'paper')),
  ADD COLUMN consent_recorded_at timestamptz,
  ADD COLUMN consent_recorded_by text,
  ADD COLUMN merged_into_id      bigint CONSTRAINT patients_merged_into_fkey REFERENCES patients (id),
  ADD COLUMN merged_at           timestamptz,
  ADD COLUMN merged_by           text,
  ADD CONSTRAINT patients_opted_out_no_consent CHECK (NOT (opted_out AND reminder_consent)),
  ADD CONSTRAINT patients_merged_not_self CHECK (merged_into_id <> id),
  ADD CONSTRAINT patients_merged_complete CHECK ((merged_into_id IS NULL) = (merged_at IS NULL));

CREATE INDEX patients_date_of_birth_idx ON patients (date_of_birth) WHERE merged_into_id IS NULL;
CREATE INDEX patients_email_lower_idx ON patients (lower(email)) WHERE email IS NOT NULL;
CREATE INDEX patients_merged_into_idx ON patients (merged_into_id) WHERE merged_into_id IS NOT NULL;
CREATE INDEX exports_patient_idx ON exports (patient_id) WHERE patient_id IS NOT NULL;

-- ---------------------------------------------------------------- staff write only what the desk form holds
REVOKE INSERT, UPDATE ON patients FROM clinicdesk_admin, clinicdesk_reception;
GRANT INSERT (full_name, date_of_birth, sex, phone, email, address, emergency_contact, preferred_channel,
              reminder_consent, opted_out, consent_method)
  ON patients TO clinicdesk_admin, clinicdesk_reception;
GRANT UPDATE (full_name, date_of_birth, sex, phone, email, address, emergency_contact, preferred_channel,
              reminder_consent, opted_out, consent_method, blacklisted_at, blacklist_reason)
  ON patients TO clinicdesk_admin, clinicdesk_reception;

-- ---------------------------------------------------------------- 1. consent: when, who, how
-- A change of consent (given, withdrawn, opted out) by a staff session must say how; the time and the person are
-- the transaction's and the session's. An edit that leaves the consent alone keeps its record as it was.
CREATE FUNCTION patients_consent_record() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.reminder_consent = OLD.reminder_consent AND NEW.opted_out = OLD.opted_out THEN
    NEW.consent_method := OLD.consent_method;
    NEW.consent_recorded_at := OLD.consent_recorded_at;
    NEW.consent_recorded_by := OLD.consent_recorded_by;
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' AND NOT NEW.reminder_consent AND NOT NEW.opted_out THEN
    NEW.consent_method := NULL;
    NEW.consent_recorded_at := NULL;
    NEW.consent_recorded_by := NULL;
    RETURN NEW;
  END IF;
  IF NEW.consent_method IS NULL
     AND pg_catalog.pg_has_role(session_user, 'clinicdesk_staff', 'MEMBER')
     AND NOT coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = session_user), false) THEN
    RAISE EXCEPTION 'say how the patient gave or withdrew consent'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'patients_consent_method';
  END IF;
  NEW.consent_recorded_at := pg_catalog.now();
  NEW.consent_recorded_by := session_user;
  RETURN NEW;
END $$;
CREATE TRIGGER patients_consent_record BEFORE INSERT OR UPDATE ON patients
  FOR EACH ROW EXECUTE FUNCTION patients_consent_record();

-- ---------------------------------------------------------------- a tombstone is read-only
-- Only the merge function (running as the schema owner) touches a merged record again: to point it at a later
-- survivor when its survivor is merged in turn.
CREATE FUNCTION patients_merged_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF OLD.merged_into_id IS NOT NULL
     AND current_user <> (SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c
                           WHERE c.oid = 'public.patients'::pg_catalog.regclass) THEN
    RAISE EXCEPTION 'this record was merged into another and cannot be changed'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'patients_merged_read_only';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER patients_merged_guard BEFORE UPDATE ON patients
  FOR EACH ROW EXECUTE FUNCTION patients_merged_guard();

-- ---------------------------------------------------------------- the booking guard knows tombstones and merges
CREATE OR REPLACE FUNCTION appointments_booking_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  loader boolean := (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user);
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.starts_at = OLD.starts_at AND NEW.doctor_id = OLD.doctor_id
     AND NEW.patient_id = OLD.patient_id AND NEW.overbooked = OLD.overbooked THEN
    RETURN NEW;
  END IF;
  -- a merge moves the merged record's appointments, past and future, exactly as they are
  IF TG_OP = 'UPDATE' AND NEW.starts_at = OLD.starts_at AND NEW.doctor_id = OLD.doctor_id
     AND NEW.overbooked = OLD.overbooked
     AND coalesce(pg_catalog.current_setting('clinicdesk.merging', true), '') = 'on'
     AND current_user = (SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c
                          WHERE c.oid = 'public.appointments'::pg_catalog.regclass) THEN
    RETURN NEW;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM public.doctors d WHERE d.id = NEW.doctor_id AND d.active) THEN
    RAISE EXCEPTION 'this doctor is inactive and cannot be booked'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_doctor_active';
  END IF;
  IF EXISTS (SELECT 1 FROM public.patients p WHERE p.id = NEW.patient_id AND p.merged_into_id IS NOT NULL) THEN
    RAISE EXCEPTION 'this patient record was merged into another; book the surviving record'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_patient_merged';
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

-- ---------------------------------------------------------------- 1b. an opted-out patient gets nothing
-- As before (issue 11), plus: an opted-out patient, or one whose record is a tombstone, gets no message of any
-- kind; returns 'opted_out' for them.
CREATE OR REPLACE FUNCTION clinicdesk_enqueue_patient_message(p_appointment_id bigint, p_event text, p_dedupe_key text)
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
         p.opted_out, p.merged_into_id, p.preferred_channel,
         nullif(pg_catalog.btrim(p.phone), '') AS phone, nullif(pg_catalog.btrim(p.email), '') AS email
    INTO a
    FROM public.appointments ap
    JOIN public.doctors d ON d.id = ap.doctor_id
    JOIN public.patients p ON p.id = ap.patient_id
   WHERE ap.id = p_appointment_id;
  IF NOT FOUND THEN
    RETURN 'no_contact';
  END IF;
  IF a.opted_out OR a.merged_into_id IS NOT NULL THEN
    RETURN 'opted_out';
  END IF;
  IF NOT a.reminder_consent THEN
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

CREATE OR REPLACE FUNCTION appointments_patient_message() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  v_event text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = session_user AND NOT r.rolsuper)
     OR NOT pg_catalog.pg_has_role(session_user, 'clinicdesk_staff', 'MEMBER') THEN
    RETURN NULL;
  END IF;
  -- an opted-out patient is told nothing, whatever happens to the appointment
  IF EXISTS (SELECT 1 FROM public.patients p WHERE p.id = NEW.patient_id AND p.opted_out) THEN
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

-- Reminders: as before, except that opted-out patients are not even counted as lacking a contact.
CREATE OR REPLACE FUNCTION clinicdesk_enqueue_reminders(p_date date, p_tag text)
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
             JOIN public.patients p ON p.id = a.patient_id
            WHERE a.starts_at >= (p_date::timestamp AT TIME ZONE tz)
              AND a.starts_at < ((p_date + 1)::timestamp AT TIME ZONE tz)
              AND a.starts_at > pg_catalog.now() AND a.status = 'booked'
              AND NOT p.opted_out
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

-- ---------------------------------------------------------------- 3. the merge
-- Moves everything linked to p_merged to p_survivor (appointments, and with them their treatments, amendments,
-- outbox rows and request keys; exports; older tombstones), keeps p_merged as a tombstone pointing at the survivor,
-- carries an opt-out over, and audits the counts. Refused: not an administrator (42501); a record into itself
-- (patients_merge_self); a tombstone either way (patients_merge_tombstone); appointments of the two at the same
-- time (patients_merge_overlap). All or nothing: it is one statement's transaction or the caller's.
CREATE FUNCTION clinicdesk_merge_patients(p_merged bigint, p_survivor bigint)
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  m public.patients;
  s public.patients;
  v_appointments bigint;
  v_treatments bigint;
  v_amendments bigint;
  v_messages bigint;
  v_exports bigint;
  v_tombstones bigint;
  v_counts jsonb;
BEGIN
  IF NOT pg_catalog.pg_has_role(session_user, 'clinicdesk_admin', 'MEMBER') THEN
    RAISE EXCEPTION 'only an administrator can merge patient records' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_merged = p_survivor THEN
    RAISE EXCEPTION 'a record cannot be merged into itself'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'patients_merge_self';
  END IF;
  -- both rows locked in id order: two administrators merging the same pair crosswise wait, not deadlock
  PERFORM 1 FROM public.patients p WHERE p.id IN (p_merged, p_survivor) ORDER BY p.id FOR UPDATE;
  SELECT * INTO m FROM public.patients p WHERE p.id = p_merged;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no such patient' USING ERRCODE = 'no_data_found';
  END IF;
  SELECT * INTO s FROM public.patients p WHERE p.id = p_survivor;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no such patient' USING ERRCODE = 'no_data_found';
  END IF;
  IF m.merged_into_id IS NOT NULL OR s.merged_into_id IS NOT NULL THEN
    RAISE EXCEPTION 'a merged record cannot be merged again, nor receive a merge'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'patients_merge_tombstone';
  END IF;
  IF EXISTS (SELECT 1 FROM public.appointments a JOIN public.appointments b ON a.during && b.during
              WHERE a.patient_id = p_merged AND b.patient_id = p_survivor
                AND a.status <> 'cancelled' AND b.status <> 'cancelled') THEN
    RAISE EXCEPTION 'the two records have appointments at the same time'
      USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'patients_merge_overlap';
  END IF;

  SELECT count(*) INTO v_treatments
    FROM public.treatments t JOIN public.appointments a ON a.id = t.appointment_id WHERE a.patient_id = p_merged;
  SELECT count(*) INTO v_amendments
    FROM public.treatment_amendments x JOIN public.treatments t ON t.id = x.treatment_id
    JOIN public.appointments a ON a.id = t.appointment_id WHERE a.patient_id = p_merged;
  SELECT count(*) INTO v_messages
    FROM public.notifications n JOIN public.appointments a ON a.id = n.appointment_id WHERE a.patient_id = p_merged;

  PERFORM pg_catalog.set_config('clinicdesk.merging', 'on', true);
  UPDATE public.appointments SET patient_id = p_survivor WHERE patient_id = p_merged;
  GET DIAGNOSTICS v_appointments = ROW_COUNT;
  PERFORM pg_catalog.set_config('clinicdesk.merging', '', true);
  UPDATE public.exports SET patient_id = p_survivor WHERE patient_id = p_merged;
  GET DIAGNOSTICS v_exports = ROW_COUNT;
  UPDATE public.patients SET merged_into_id = p_survivor WHERE merged_into_id = p_merged;
  GET DIAGNOSTICS v_tombstones = ROW_COUNT;
  UPDATE public.patients SET merged_into_id = p_survivor, merged_at = pg_catalog.now(), merged_by = session_user
   WHERE id = p_merged;
  -- the same person: an opt-out on either record holds for the survivor
  IF m.opted_out AND NOT s.opted_out THEN
    UPDATE public.patients SET opted_out = true, reminder_consent = false,
                               consent_method = coalesce(m.consent_method, 'desk')
     WHERE id = p_survivor;
  END IF;

  v_counts := pg_catalog.jsonb_build_object(
    'merged', p_merged, 'survivor', p_survivor, 'appointments', v_appointments, 'treatments', v_treatments,
    'amendments', v_amendments, 'messages', v_messages, 'exports', v_exports, 'tombstones', v_tombstones,
    'opt_out_carried', m.opted_out AND NOT s.opted_out);
  PERFORM public.audit_event('patient_merge', 'patients', p_merged::text, v_counts);
  RETURN v_counts;
END $$;
REVOKE ALL ON FUNCTION clinicdesk_merge_patients(bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clinicdesk_merge_patients(bigint, bigint) TO clinicdesk_admin;
