-- Booking in one round trip (issue 16): the checks the service made between BEGIN and COMMIT move into one
-- database function, so a booking is a single statement. The slot arithmetic here mirrors `schedule.rs`
-- (`day_windows`, `slots_in_windows`); an integration test compares the two over random schedules, DST days
-- included, so they cannot drift. Every function runs with the caller's rights (SECURITY INVOKER): grants and
-- row-level security apply as they did to the statements it replaces. They are PL/pgSQL rather than SQL: a SQL
-- function with a SET clause is planned again on every call, a PL/pgSQL one keeps its plans for the session.

-- The doctor's working windows on a clinic-local date, as local timestamp ranges: weekly sessions and extra
-- sessions merged (touching ones too), minus leave and clinic holidays; a whole-day leave or holiday leaves none.
CREATE FUNCTION public.clinicdesk_day_windows(p_doctor bigint, p_date date)
RETURNS SETOF tsrange
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  RETURN QUERY
  WITH open AS (
    SELECT range_agg(tsrange(p_date + w.starts_at, p_date + w.ends_at)) AS windows
      FROM (SELECT a.starts_at, a.ends_at
              FROM public.doctor_availability a
             WHERE a.doctor_id = p_doctor AND a.weekday = extract(isodow FROM p_date)
            UNION ALL
            SELECT e.starts_at, e.ends_at
              FROM public.doctor_availability_exceptions e
             WHERE (e.doctor_id = p_doctor OR e.doctor_id IS NULL) AND e.on_date = p_date
               AND e.kind = 'extra' AND e.starts_at IS NOT NULL AND e.ends_at IS NOT NULL) w
  ), closed AS (
    SELECT coalesce(bool_or(e.starts_at IS NULL OR e.ends_at IS NULL), false) AS whole_day,
           coalesce(range_agg(tsrange(p_date + e.starts_at, p_date + e.ends_at))
                      FILTER (WHERE e.starts_at IS NOT NULL AND e.ends_at IS NOT NULL),
                    '{}'::tsmultirange) AS cuts
      FROM public.doctor_availability_exceptions e
     WHERE (e.doctor_id = p_doctor OR e.doctor_id IS NULL) AND e.on_date = p_date AND e.kind <> 'extra'
  )
  SELECT w
    FROM open, closed, unnest(open.windows - closed.cuts) AS w
   WHERE open.windows IS NOT NULL AND NOT closed.whole_day;
END
$$;

-- The end of the slot that starts at p_start, when p_start is one of the doctor's slots; NULL otherwise. Slots are
-- laid from each window's start in steps of p_slot_minutes and end inside it; a wall time that the autumn change
-- repeats counts at its first occurrence only (a spring-gap wall time is never an instant's, so has no slot).
CREATE FUNCTION public.clinicdesk_slot_end(p_doctor bigint, p_slot_minutes integer, p_start timestamptz,
                                           p_zone text)
RETURNS timestamptz
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  RETURN (
  WITH l AS (SELECT p_start AT TIME ZONE p_zone AS t, make_interval(mins => p_slot_minutes) AS len)
  SELECT p_start + l.len
    FROM l, public.clinicdesk_day_windows(p_doctor, l.t::date) AS w
   WHERE p_slot_minutes > 0
     AND lower(w) <= l.t AND l.t + l.len <= upper(w)
     AND (extract(epoch FROM l.t - lower(w))::bigint % (p_slot_minutes * 60)) = 0
     AND NOT EXISTS (SELECT 1
                       FROM unnest('{30 minutes, 1 hour, 2 hours}'::interval[]) AS back(by)
                      WHERE (p_start - back.by) AT TIME ZONE p_zone = l.t)
   LIMIT 1);
END
$$;

-- What `clinicdesk_book` answers: the appointment (new, or the one an earlier attempt with the same request key
-- made), or a refusal code the service turns into a sentence, with the names that sentence needs.
CREATE TYPE public.clinicdesk_booking AS (
  appointment_id   bigint,
  existing         boolean,
  refusal          text,
  time_zone        text,
  doctor_name      text,
  department_name  text,
  patient_name     text,
  patient_mrn      text,
  blacklist_reason text,
  ends_at          timestamptz
);

-- One booking in one statement: the schedule and patient locks, the rules that have a sentence, the slot check in
-- the clinic's zone, the INSERT (whose trigger queues the patient's confirmation) and the request key. Refusals
-- are answers, not errors; an overlap is still the exclusion constraint's error (another desk won the time).
CREATE FUNCTION public.clinicdesk_book(p_doctor bigint, p_patient bigint, p_start timestamptz, p_key text)
RETURNS public.clinicdesk_booking
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  r public.clinicdesk_booking;
  v_active boolean;
  v_slot integer;
  v_blacklisted boolean;
BEGIN
  r.existing := false;
  IF p_key IS NOT NULL THEN
    SELECT k.appointment_id INTO r.appointment_id FROM public.request_keys k WHERE k.key = p_key;
    IF FOUND THEN
      r.existing := true;
      RETURN r;
    END IF;
  END IF;
  PERFORM pg_advisory_xact_lock_shared(7001, (p_doctor % 2147483647)::int),
          pg_advisory_xact_lock(7002, (p_patient % 2147483647)::int);
  SELECT s.time_zone INTO r.time_zone FROM public.settings s;
  SELECT d.full_name, d.active, d.slot_minutes, dep.name
    INTO r.doctor_name, v_active, v_slot, r.department_name
    FROM public.doctors d JOIN public.departments dep ON dep.id = d.department_id
   WHERE d.id = p_doctor;
  IF NOT FOUND THEN
    r.refusal := 'no_doctor';
    RETURN r;
  END IF;
  IF NOT v_active THEN
    r.refusal := 'doctor_inactive';
    RETURN r;
  END IF;
  SELECT p.full_name, p.mrn, p.blacklisted_at IS NOT NULL, p.blacklist_reason
    INTO r.patient_name, r.patient_mrn, v_blacklisted, r.blacklist_reason
    FROM public.patients p
   WHERE p.id = p_patient;
  IF NOT FOUND THEN
    r.refusal := 'no_patient';
    RETURN r;
  END IF;
  IF v_blacklisted THEN
    r.refusal := 'blacklisted';
    RETURN r;
  END IF;
  IF p_start < now() THEN
    r.refusal := 'past';
    RETURN r;
  END IF;
  r.ends_at := public.clinicdesk_slot_end(p_doctor, v_slot, p_start, r.time_zone);
  IF r.ends_at IS NULL THEN
    r.refusal := 'not_a_slot';
    RETURN r;
  END IF;
  INSERT INTO public.appointments (doctor_id, patient_id, starts_at, ends_at)
  VALUES (p_doctor, p_patient, p_start, r.ends_at)
  RETURNING id INTO r.appointment_id;
  IF p_key IS NOT NULL THEN
    INSERT INTO public.request_keys (key, kind, appointment_id) VALUES (p_key, 'book_appointment', r.appointment_id);
  END IF;
  RETURN r;
END
$$;

REVOKE ALL ON FUNCTION public.clinicdesk_day_windows(bigint, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.clinicdesk_slot_end(bigint, integer, timestamptz, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.clinicdesk_book(bigint, bigint, timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.clinicdesk_day_windows(bigint, date) TO clinicdesk_staff;
GRANT EXECUTE ON FUNCTION public.clinicdesk_slot_end(bigint, integer, timestamptz, text) TO clinicdesk_staff;
GRANT EXECUTE ON FUNCTION public.clinicdesk_book(bigint, bigint, timestamptz, text) TO clinicdesk_staff;
