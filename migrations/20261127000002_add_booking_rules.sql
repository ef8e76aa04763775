-- Scheduling rules the database enforces, whatever the client: money in integer cents, no booking of inactive
-- doctors or blacklisted patients, no booking in the past, overbooking only by administrators, and the
-- search indexes the front desk needs.

ALTER TABLE doctors ADD COLUMN consultation_fee_cents integer NOT NULL DEFAULT 0
  CONSTRAINT doctors_consultation_fee_cents_check CHECK (consultation_fee_cents BETWEEN 0 AND 10000000);
UPDATE doctors SET consultation_fee_cents = round(consultation_fee * 100)::integer;
ALTER TABLE doctors DROP COLUMN consultation_fee;
CREATE INDEX doctors_active_idx ON doctors (active, full_name);

-- A patient's phone is stored normalised (+ and digits) so a prefix search finds it however it was typed.
CREATE INDEX patients_mrn_pattern_idx ON patients (mrn text_pattern_ops);
CREATE INDEX appointments_doctor_starts_idx ON appointments (doctor_id, starts_at);

CREATE FUNCTION appointments_booking_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
  loader boolean := (SELECT rolsuper FROM pg_roles WHERE rolname = current_user);
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.starts_at = OLD.starts_at AND NEW.doctor_id = OLD.doctor_id
     AND NEW.patient_id = OLD.patient_id AND NEW.overbooked = OLD.overbooked THEN
    RETURN NEW;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM doctors WHERE id = NEW.doctor_id AND active) THEN
    RAISE EXCEPTION 'this doctor is inactive and cannot be booked'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_doctor_active';
  END IF;
  IF EXISTS (SELECT 1 FROM patients WHERE id = NEW.patient_id AND blacklisted_at IS NOT NULL) THEN
    RAISE EXCEPTION 'this patient is blacklisted and cannot be booked'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_patient_not_blacklisted';
  END IF;
  -- bulk loads by the owner (demo data, restores) may write history; staff book from now on
  IF NOT loader AND NEW.starts_at < now() - interval '5 minutes' THEN
    RAISE EXCEPTION 'appointments cannot start in the past'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_not_in_past';
  END IF;
  IF NEW.overbooked AND NOT loader AND NOT clinicdesk_is('clinicdesk_admin') THEN
    RAISE EXCEPTION 'only an administrator can overbook'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER appointments_booking BEFORE INSERT OR UPDATE OF starts_at, doctor_id, patient_id, overbooked
  ON appointments FOR EACH ROW EXECUTE FUNCTION appointments_booking_guard();

-- Blacklisting is audited with its reason (the row trigger records the change; this adds the why).
GRANT UPDATE (blacklisted_at, blacklist_reason) ON patients TO clinicdesk_admin, clinicdesk_reception;

-- Doctors keep their own slot length with their availability; everything else about a doctor is the admins'.
ALTER TABLE doctors ENABLE ROW LEVEL SECURITY;
CREATE POLICY doctors_read ON doctors FOR SELECT TO clinicdesk_staff USING (true);
CREATE POLICY doctors_admin ON doctors FOR ALL TO clinicdesk_admin USING (true) WITH CHECK (true);
CREATE POLICY doctors_own_slot ON doctors FOR UPDATE TO clinicdesk_doctor
  USING (id = clinicdesk_current_doctor_id()) WITH CHECK (id = clinicdesk_current_doctor_id());
GRANT UPDATE (slot_minutes) ON doctors TO clinicdesk_doctor;

-- Enqueuing with ON CONFLICT (dedupe_key) DO NOTHING reads the key: staff who cause messages may see keys only.
GRANT SELECT (id, dedupe_key) ON notifications TO clinicdesk_reception, clinicdesk_doctor;
