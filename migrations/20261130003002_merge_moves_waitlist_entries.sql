-- The patient merge (issue 15) also moves waitlist entries: `clinicdesk_merge_patients` as in 20261130001001
-- (the lead's text, unchanged) plus the move of `waitlist_entries` and its count in the outcome.

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
  v_waitlist bigint;
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
  -- open, booked, closed and expired entries alike: the survivor's history is the person's history
  UPDATE public.waitlist_entries SET patient_id = p_survivor WHERE patient_id = p_merged;
  GET DIAGNOSTICS v_waitlist = ROW_COUNT;
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
    'amendments', v_amendments, 'messages', v_messages, 'exports', v_exports, 'waitlist', v_waitlist,
    'tombstones', v_tombstones,
    'opt_out_carried', m.opted_out AND NOT s.opted_out,
    'blacklist_carried', m.blacklisted_at IS NOT NULL AND s.blacklisted_at IS NULL);
  PERFORM public.audit_event('patient_merge', 'patients', p_merged::text, v_counts);
  RETURN v_counts;
END $$;
REVOKE ALL ON FUNCTION clinicdesk_merge_patients(bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clinicdesk_merge_patients(bigint, bigint) TO clinicdesk_admin;
