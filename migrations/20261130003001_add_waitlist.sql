-- The waitlist (issue 15, part 1): patients waiting for an earlier slot with a doctor or in a department, within
-- a date window and (optionally) a time of day. When a booked slot frees (cancelled, or moved away while still in
-- the future) the appointments trigger sends `slot_freed:<doctor>:<start epoch>:<end epoch>` on the cache
-- channel every PC already LISTENs on; the desk then asks which open entries match that slot.
--
-- Reception and administrators add and close entries; closing stamps who and when (trigger), and a closed entry
-- never changes again. Doctors read the entries that name them or their department.

CREATE TABLE waitlist_entries (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  patient_id     bigint NOT NULL REFERENCES patients (id),
  doctor_id      bigint REFERENCES doctors (id),
  department_id  bigint REFERENCES departments (id),
  window_from    date NOT NULL,
  window_to      date NOT NULL,
  -- clinic-local preferred times of day; both or neither
  time_from      time,
  time_to        time,
  note           text NOT NULL DEFAULT '',
  created_by     text NOT NULL DEFAULT session_user,
  created_at     timestamptz NOT NULL DEFAULT now(),
  closed_at      timestamptz,
  closed_reason  text CONSTRAINT waitlist_entries_closed_reason_check
                      CHECK (closed_reason IN ('booked', 'closed', 'expired')),
  closed_by      text,
  appointment_id bigint REFERENCES appointments (id),
  CONSTRAINT waitlist_entries_target CHECK ((doctor_id IS NULL) <> (department_id IS NULL)),
  CONSTRAINT waitlist_entries_window CHECK (window_to >= window_from),
  CONSTRAINT waitlist_entries_window_length CHECK (window_to - window_from <= 366),
  CONSTRAINT waitlist_entries_times CHECK ((time_from IS NULL) = (time_to IS NULL) AND (time_from IS NULL OR time_to > time_from)),
  CONSTRAINT waitlist_entries_note_check CHECK (length(note) <= 200),
  CONSTRAINT waitlist_entries_closed CHECK ((closed_at IS NULL) = (closed_reason IS NULL)),
  CONSTRAINT waitlist_entries_booked CHECK ((closed_reason IS NOT DISTINCT FROM 'booked') = (appointment_id IS NOT NULL))
);
-- The match query: open entries for one doctor or one department whose window holds the slot's date.
CREATE INDEX waitlist_entries_open_doctor_idx ON waitlist_entries (doctor_id, window_from, window_to)
  WHERE closed_at IS NULL AND doctor_id IS NOT NULL;
CREATE INDEX waitlist_entries_open_department_idx ON waitlist_entries (department_id, window_from, window_to)
  WHERE closed_at IS NULL AND department_id IS NOT NULL;
CREATE INDEX waitlist_entries_patient_idx ON waitlist_entries (patient_id);
CREATE INDEX waitlist_entries_appointment_idx ON waitlist_entries (appointment_id) WHERE appointment_id IS NOT NULL;

GRANT SELECT ON waitlist_entries TO clinicdesk_admin, clinicdesk_reception, clinicdesk_doctor;
GRANT INSERT (patient_id, doctor_id, department_id, window_from, window_to, time_from, time_to, note)
  ON waitlist_entries TO clinicdesk_admin, clinicdesk_reception;
GRANT UPDATE (closed_at, closed_reason, appointment_id) ON waitlist_entries TO clinicdesk_admin, clinicdesk_reception;

ALTER TABLE waitlist_entries ENABLE ROW LEVEL SECURITY;
CREATE POLICY waitlist_entries_desk_read ON waitlist_entries FOR SELECT TO clinicdesk_admin, clinicdesk_reception
  USING (true);
CREATE POLICY waitlist_entries_desk_insert ON waitlist_entries FOR INSERT TO clinicdesk_admin, clinicdesk_reception
  WITH CHECK (closed_at IS NULL AND appointment_id IS NULL);
CREATE POLICY waitlist_entries_desk_close ON waitlist_entries FOR UPDATE TO clinicdesk_admin, clinicdesk_reception
  USING (closed_at IS NULL) WITH CHECK (closed_at IS NOT NULL);
CREATE POLICY waitlist_entries_doctor_read ON waitlist_entries FOR SELECT TO clinicdesk_doctor
  USING (doctor_id = clinicdesk_current_doctor_id()
         OR department_id = (SELECT d.department_id FROM doctors d WHERE d.id = clinicdesk_current_doctor_id()));

-- Closing: the time and the person are the transaction's and the session's; a booked entry names an appointment
-- of the same patient; a closed entry is final.
CREATE FUNCTION waitlist_entries_close() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF OLD.closed_at IS NOT NULL THEN
    RAISE EXCEPTION 'this waitlist entry is already closed'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'waitlist_entries_final';
  END IF;
  IF NEW.appointment_id IS NOT NULL AND NOT EXISTS (
       SELECT 1 FROM public.appointments a WHERE a.id = NEW.appointment_id AND a.patient_id = NEW.patient_id) THEN
    RAISE EXCEPTION 'the appointment is not this patient''s'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'waitlist_entries_appointment_patient';
  END IF;
  NEW.closed_at := pg_catalog.now();
  NEW.closed_by := session_user;
  RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION waitlist_entries_close() FROM PUBLIC;
CREATE TRIGGER waitlist_entries_close BEFORE UPDATE OF closed_at, closed_reason, appointment_id ON waitlist_entries
  FOR EACH ROW EXECUTE FUNCTION waitlist_entries_close();

-- A slot frees when a booked (or checked-in) appointment that has not ended is cancelled or moved to another
-- time or doctor. Overbooked appointments never held a slot. (A no-show keeps its time in the overlap
-- constraints, so it frees nothing.)
CREATE FUNCTION appointments_slot_freed() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF OLD.status IN ('booked', 'checked_in') AND NOT OLD.overbooked AND OLD.ends_at > pg_catalog.now()
     AND (NEW.status = 'cancelled' OR NEW.starts_at <> OLD.starts_at OR NEW.doctor_id <> OLD.doctor_id) THEN
    PERFORM pg_catalog.pg_notify('clinicdesk_cache',
      'slot_freed:' || OLD.doctor_id::text
        || ':' || pg_catalog.floor(pg_catalog.date_part('epoch', OLD.starts_at))::bigint::text
        || ':' || pg_catalog.floor(pg_catalog.date_part('epoch', OLD.ends_at))::bigint::text);
  END IF;
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION appointments_slot_freed() FROM PUBLIC;
CREATE TRIGGER appointments_slot_freed AFTER UPDATE OF status, starts_at, doctor_id ON appointments
  FOR EACH ROW EXECUTE FUNCTION appointments_slot_freed();
