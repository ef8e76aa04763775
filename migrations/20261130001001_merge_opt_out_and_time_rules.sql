-- Review fixes to the patient merge and the opt-out (issue 15) and the front desk's time rules (issue 14, part 4).
-- (The free-slot functions' bounded range is in 20261130001002, where they are redefined for appointment types.)
--
-- 1. A merge carries a blacklist over to the survivor, as it does an opt-out: the same person.
-- 2. An opt-out (or consent withdrawn) withdraws the patient's messages still waiting in the outbox, not only new
--    ones; this also holds when a merge carries an opt-out over.
-- 3. The booking guard lets a merge move appointments because the old record is already a tombstone pointing at
--    the new one (only the merge function can write that), no longer because of a session setting anyone can set.
-- 4. Time rules: check-in only on the appointment's day in the clinic's zone; a no-show only once the appointment
--    has started. An administrator's correction (with a reason) still overrides, and is audited. Recording a
--    visit completes it straight from booked (its record is the proof it happened), so a doctor can still record
--    a visit the desk forgot to check in on its day.

-- ---------------------------------------------------------------- 2. opt-out withdraws queued messages
CREATE FUNCTION patients_withdraw_messages() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  UPDATE public.notifications n
     SET status = 'cancelled',
         last_error = CASE WHEN NEW.opted_out THEN 'withdrawn: the patient opted out'
                           ELSE 'withdrawn: the patient withdrew consent' END
    FROM public.appointments a
   WHERE a.patient_id = NEW.id AND n.appointment_id = a.id AND n.status IN ('pending', 'failed');
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION patients_withdraw_messages() FROM PUBLIC;
CREATE TRIGGER patients_withdraw_messages AFTER UPDATE OF opted_out, reminder_consent ON patients
  FOR EACH ROW WHEN ((NEW.opted_out AND NOT OLD.opted_out) OR (OLD.reminder_consent AND NOT NEW.reminder_consent))
  EXECUTE FUNCTION patients_withdraw_messages();
CREATE INDEX notifications_appointment_waiting_idx ON notifications (appointment_id)
  WHERE status IN ('pending', 'failed');

-- ---------------------------------------------------------------- 3. the booking guard and merges
CREATE OR REPLACE FUNCTION appointments_booking_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  loader boolean := (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user);
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.starts_at = OLD.starts_at AND NEW.doctor_id = OLD.doctor_id
     AND NEW.patient_id = OLD.patient_id AND NEW.overbooked = OLD.overbooked THEN
    RETURN NEW;
  END IF;
  -- a merge moves a tombstone's appointments, past and future, exactly as they are, to the record it points at;
  -- only the merge function (as the owner) writes a tombstone's pointer
  IF TG_OP = 'UPDATE' AND NEW.starts_at = OLD.starts_at AND NEW.doctor_id = OLD.doctor_id
     AND NEW.overbooked = OLD.overbooked
     AND EXISTS (SELECT 1 FROM public.patients p WHERE p.id = OLD.patient_id AND p.merged_into_id = NEW.patient_id)
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

-- ---------------------------------------------------------------- 1. the merge
-- As in 20261129002001, and: administrators by `clinicdesk_is`; the tombstone is written before the appointments
-- move (the booking guard checks it); a blacklist is carried over like an opt-out; an opt-out carried over
-- withdraws the survivor's waiting messages (the trigger above).
CREATE OR REPLACE FUNCTION clinicdesk_merge_patients(p_merged bigint, p_survivor bigint)
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
  IF NOT public.clinicdesk_is('clinicdesk_admin') THEN
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

  -- the tombstone first: the booking guard lets appointments move from a tombstone to the record it points at
  UPDATE public.patients SET merged_into_id = p_survivor WHERE merged_into_id = p_merged;
  GET DIAGNOSTICS v_tombstones = ROW_COUNT;
  UPDATE public.patients SET merged_into_id = p_survivor, merged_at = pg_catalog.now(), merged_by = session_user
   WHERE id = p_merged;
  UPDATE public.appointments SET patient_id = p_survivor WHERE patient_id = p_merged;
  GET DIAGNOSTICS v_appointments = ROW_COUNT;
  UPDATE public.exports SET patient_id = p_survivor WHERE patient_id = p_merged;
  GET DIAGNOSTICS v_exports = ROW_COUNT;
  -- the same person: an opt-out or a blacklist on either record holds for the survivor
  IF m.opted_out AND NOT s.opted_out THEN
    UPDATE public.patients SET opted_out = true, reminder_consent = false,
                               consent_method = coalesce(m.consent_method, 'desk')
     WHERE id = p_survivor;
  END IF;
  IF m.blacklisted_at IS NOT NULL AND s.blacklisted_at IS NULL THEN
    UPDATE public.patients SET blacklisted_at = m.blacklisted_at, blacklist_reason = m.blacklist_reason
     WHERE id = p_survivor;
  END IF;

  v_counts := pg_catalog.jsonb_build_object(
    'merged', p_merged, 'survivor', p_survivor, 'appointments', v_appointments, 'treatments', v_treatments,
    'amendments', v_amendments, 'messages', v_messages, 'exports', v_exports, 'tombstones', v_tombstones,
    'opt_out_carried', m.opted_out AND NOT s.opted_out,
    'blacklist_carried', m.blacklisted_at IS NOT NULL AND s.blacklisted_at IS NULL);
  PERFORM public.audit_event('patient_merge', 'patients', p_merged::text, v_counts);
  RETURN v_counts;
END $$;
REVOKE ALL ON FUNCTION clinicdesk_merge_patients(bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clinicdesk_merge_patients(bigint, bigint) TO clinicdesk_admin;

-- ---------------------------------------------------------------- 4. time rules
-- The status machine as before (20261128000011), and: check-in only on the appointment's own day in the clinic's
-- zone (`appointments_check_in_day`); a no-show only once the appointment has started (`appointments_no_show_early`).
-- An administrator's correction naming its reason overrides any of these, and is audited.
CREATE OR REPLACE FUNCTION appointments_status_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  v_zone text;
  v_refusal text;
  v_sentence text;
BEGIN
  IF NEW.status = OLD.status THEN
    RETURN NEW;
  END IF;
  IF (OLD.status, NEW.status) NOT IN (('booked', 'checked_in'), ('checked_in', 'completed'), ('booked', 'cancelled'),
                                      ('checked_in', 'cancelled'), ('booked', 'no_show'), ('checked_in', 'no_show'))
     -- a visit whose record the doctor has written is complete, even if nobody checked the patient in that day
     AND NOT ((OLD.status, NEW.status) = ('booked', 'completed')
              AND EXISTS (SELECT 1 FROM public.treatments t WHERE t.appointment_id = NEW.id)) THEN
    v_refusal := 'appointments_status_transition';
    v_sentence := pg_catalog.format('an appointment cannot go from %s to %s', OLD.status, NEW.status);
  ELSIF NEW.status = 'checked_in' THEN
    v_zone := coalesce((SELECT s.time_zone FROM public.settings s LIMIT 1), 'UTC');
    IF (OLD.starts_at AT TIME ZONE v_zone)::date <> (pg_catalog.now() AT TIME ZONE v_zone)::date THEN
      v_refusal := 'appointments_check_in_day';
      v_sentence := 'a patient checks in only on the day of the appointment';
    END IF;
  ELSIF NEW.status = 'no_show' AND pg_catalog.now() < OLD.starts_at THEN
    v_refusal := 'appointments_no_show_early';
    v_sentence := 'an appointment becomes a no-show only once it has started';
  END IF;
  IF v_refusal IS NULL THEN
    RETURN NEW;
  END IF;
  IF public.clinicdesk_is('clinicdesk_admin')
     AND coalesce(pg_catalog.current_setting('clinicdesk.correction_reason', true), '') <> '' THEN
    PERFORM public.audit_event('status_correction', 'appointments', OLD.id::text,
      pg_catalog.jsonb_build_object('from', OLD.status, 'to', NEW.status, 'rule', v_refusal,
                                    'reason', pg_catalog.current_setting('clinicdesk.correction_reason')));
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '%', v_sentence USING ERRCODE = 'check_violation', CONSTRAINT = v_refusal;
END $$;
