-- The flow board and the no-show (DNA) report (issue 14, parts 5 and 6).
--
-- 1. Flow stamps on appointments, set only by the database: `checked_in_at` by a trigger when the status becomes
--    checked_in, `called_at` only by `clinicdesk_call_next` (SECURITY DEFINER, pinned). No staff role holds a
--    column privilege on either, so nobody can forge a wait.
-- 2. `clinicdesk_call_next(doctor)`: the doctor's "call next" moves the first patient who arrived today (earliest
--    check-in) to "with doctor"; a per-doctor lock makes two PCs calling at once call two patients, never one twice;
--    nobody arrived is a named refusal and nothing is written.
-- 3. The waiting-time alert threshold in the settings (administrators change it).
-- 4. No-show report exports: a kind of its own in `exports`, which reception and doctors may record too.

-- ---------------------------------------------------------------- 1. flow stamps
ALTER TABLE appointments
  ADD COLUMN checked_in_at timestamptz,
  ADD COLUMN called_at timestamptz,
  ADD CONSTRAINT appointments_called_after_arrival
    CHECK (called_at IS NULL OR (checked_in_at IS NOT NULL AND called_at >= checked_in_at));

CREATE FUNCTION appointments_flow_stamps() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    -- bulk loads by the owner may write an arrival of their own; staff cannot name these columns at all
    IF NEW.status = 'checked_in' AND NEW.checked_in_at IS NULL THEN
      NEW.checked_in_at := pg_catalog.now();
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    IF NEW.status = 'checked_in' THEN
      NEW.checked_in_at := pg_catalog.now();
      NEW.called_at := NULL;
    ELSIF NEW.status = 'booked' THEN
      -- an administrator's correction back to booked: the patient has not arrived after all
      NEW.checked_in_at := NULL;
      NEW.called_at := NULL;
    END IF;
  END IF;
  RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION appointments_flow_stamps() FROM PUBLIC;
CREATE TRIGGER appointments_flow_stamps BEFORE INSERT OR UPDATE ON appointments
  FOR EACH ROW EXECUTE FUNCTION appointments_flow_stamps();

-- the waiting room of a doctor today: arrived, not yet called
CREATE INDEX appointments_waiting_idx ON appointments (doctor_id, checked_in_at)
  WHERE status = 'checked_in' AND called_at IS NULL;

-- ---------------------------------------------------------------- 2. call next
CREATE FUNCTION clinicdesk_call_next(p_doctor_id bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  v_zone text;
  v_day date;
  v_id bigint;
BEGIN
  -- the doctor calls their own patients; the desk (reception, administrators) may call one in for any doctor
  IF NOT (public.clinicdesk_is('clinicdesk_admin') OR public.clinicdesk_is('clinicdesk_reception')
          OR public.clinicdesk_current_doctor_id() IS NOT DISTINCT FROM p_doctor_id) THEN
    RAISE EXCEPTION 'a doctor calls only their own patients' USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- two PCs calling for one doctor queue here; the second sees the first's call (a new snapshot per statement)
  PERFORM pg_catalog.pg_advisory_xact_lock(7003, (p_doctor_id % 2147483647)::integer);
  v_zone := coalesce((SELECT s.time_zone FROM public.settings s LIMIT 1), 'UTC');
  v_day := (pg_catalog.now() AT TIME ZONE v_zone)::date;
  SELECT a.id INTO v_id
    FROM public.appointments a
   WHERE a.doctor_id = p_doctor_id AND a.status = 'checked_in' AND a.called_at IS NULL
     AND a.starts_at >= (v_day::timestamp AT TIME ZONE v_zone)
     AND a.starts_at < ((v_day + 1)::timestamp AT TIME ZONE v_zone)
   ORDER BY a.checked_in_at, a.id
   LIMIT 1
   FOR UPDATE;
  IF v_id IS NULL THEN
    RAISE EXCEPTION 'nobody has arrived for this doctor yet'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_call_next_nobody';
  END IF;
  UPDATE public.appointments SET called_at = GREATEST(pg_catalog.now(), checked_in_at) WHERE id = v_id;
  RETURN v_id;
END $$;
REVOKE ALL ON FUNCTION clinicdesk_call_next(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clinicdesk_call_next(bigint) TO clinicdesk_staff;

-- ---------------------------------------------------------------- 3. waiting-time alert
ALTER TABLE settings
  ADD COLUMN wait_alert_minutes integer NOT NULL DEFAULT 20
    CONSTRAINT settings_wait_alert_minutes_check CHECK (wait_alert_minutes BETWEEN 1 AND 240);
GRANT UPDATE (wait_alert_minutes) ON settings TO clinicdesk_admin;

-- ---------------------------------------------------------------- 4. no-show report exports
ALTER TABLE exports DROP CONSTRAINT exports_kind_check;
ALTER TABLE exports ADD CONSTRAINT exports_kind_check
  CHECK (kind IN ('patient_history', 'visits', 'audit_log', 'no_shows'));
GRANT SELECT ON exports TO clinicdesk_reception;
GRANT INSERT (kind, patient_id, path), UPDATE (status, rows_written, bytes, error, finished_at) ON exports
  TO clinicdesk_reception;
CREATE POLICY exports_desk ON exports FOR ALL TO clinicdesk_reception
  USING (requested_by = session_user)
  WITH CHECK (requested_by = session_user AND kind = 'no_shows' AND patient_id IS NULL);
DROP POLICY exports_own ON exports;
CREATE POLICY exports_own ON exports FOR ALL TO clinicdesk_doctor
  USING (requested_by = session_user)
  WITH CHECK (requested_by = session_user
              AND ((kind = 'patient_history' AND patient_id IS NOT NULL) OR (kind = 'no_shows' AND patient_id IS NULL)));

CREATE INDEX appointments_no_show_idx ON appointments (starts_at) INCLUDE (doctor_id, patient_id)
  WHERE status = 'no_show';
