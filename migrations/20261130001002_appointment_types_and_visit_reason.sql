-- Issue 14, parts 1 and 2: appointment types with their own length, and a visit reason.
--
-- * `appointment_types` (administrators write, staff read): a name, a length of 5–240 minutes in 5-minute steps,
--   a colour. `doctor_appointment_types` says which doctors offer a type and each doctor's default (at most one).
-- * An appointment keeps its type and its own start and end: changing a type's length never changes a booking.
--   The booking guard refuses a type the doctor does not offer, and a new booking whose length is not its type's.
--   The exclusion constraints hold for any length as before (they compare the stored times).
-- * A visit reason (at most 200 characters) for the desk and the doctor. It is never read by the functions that
--   compose patient messages or the staff digest.
-- * The free-slot functions take the visit length (`p_minutes`; NULL = the doctor's default visit): starts lie on
--   the doctor's slot grid wherever a run of that length is free inside one working window; they refuse a range
--   outside 1..31 days.

CREATE TABLE appointment_types (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name       text NOT NULL
                  CONSTRAINT appointment_types_name_check CHECK (char_length(btrim(name)) BETWEEN 1 AND 60),
  minutes    integer NOT NULL
                  CONSTRAINT appointment_types_minutes_check CHECK (minutes BETWEEN 5 AND 240 AND minutes % 5 = 0),
  colour     text NOT NULL DEFAULT '#2563eb'
                  CONSTRAINT appointment_types_colour_check CHECK (colour ~ '^#[0-9a-fA-F]{6}$'),
  active     boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- "Consultation" and "consultation" are one type
CREATE UNIQUE INDEX appointment_types_name_key ON appointment_types (lower(name));
GRANT SELECT ON appointment_types TO clinicdesk_staff;
GRANT INSERT (name, minutes, colour, active), UPDATE (name, minutes, colour, active) ON appointment_types TO clinicdesk_admin;

CREATE TABLE doctor_appointment_types (
  doctor_id  bigint NOT NULL REFERENCES doctors (id) ON DELETE CASCADE,
  type_id    bigint NOT NULL REFERENCES appointment_types (id),
  is_default boolean NOT NULL DEFAULT false,
  PRIMARY KEY (doctor_id, type_id)
);
CREATE UNIQUE INDEX doctor_appointment_types_one_default ON doctor_appointment_types (doctor_id) WHERE is_default;
CREATE INDEX doctor_appointment_types_type_idx ON doctor_appointment_types (type_id);
GRANT SELECT ON doctor_appointment_types TO clinicdesk_staff;
GRANT INSERT, UPDATE (is_default), DELETE ON doctor_appointment_types TO clinicdesk_admin;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['appointment_types', 'doctor_appointment_types'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION audit_row()',
                   t || '_audit', t);
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION cache_notify()',
                   t || '_cache_notify', t);
  END LOOP;
END $$;

ALTER TABLE appointments
  ADD COLUMN type_id bigint CONSTRAINT appointments_type_id_fkey REFERENCES appointment_types (id),
  ADD COLUMN reason  text NOT NULL DEFAULT ''
                     CONSTRAINT appointments_reason_check CHECK (char_length(reason) <= 200);
GRANT INSERT (type_id, reason), UPDATE (reason) ON appointments TO clinicdesk_admin, clinicdesk_reception;

-- A booking of a type: the doctor offers it, and a new booking (or a move) lasts the type's length — a move keeps
-- the length the appointment was booked with, so a type changed since does not change it.
CREATE FUNCTION appointments_type_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  v_minutes integer;
BEGIN
  IF NEW.type_id IS NULL THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.type_id = OLD.type_id AND NEW.doctor_id = OLD.doctor_id
     AND NEW.ends_at - NEW.starts_at = OLD.ends_at - OLD.starts_at THEN
    RETURN NEW;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM public.doctor_appointment_types x
                  WHERE x.doctor_id = NEW.doctor_id AND x.type_id = NEW.type_id) THEN
    RAISE EXCEPTION 'the doctor does not offer this appointment type'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_type_offered';
  END IF;
  SELECT t.minutes INTO v_minutes FROM public.appointment_types t WHERE t.id = NEW.type_id;
  IF TG_OP = 'INSERT' AND NEW.ends_at - NEW.starts_at <> pg_catalog.make_interval(mins => v_minutes) THEN
    RAISE EXCEPTION 'an appointment lasts as long as its type'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_type_length';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER appointments_type_guard BEFORE INSERT OR UPDATE OF type_id, doctor_id, starts_at, ends_at ON appointments
  FOR EACH ROW EXECUTE FUNCTION appointments_type_guard();

-- ---------------------------------------------------------------- free slots for a visit length, bounded
-- As in 20261129001001, and:
-- * the visit length `len` (p_minutes; NULL = the doctor's default type's length, else their slot, as booking
--   without a type books it) instead of the slot step for the end, the fit inside the window and the overlap test;
-- * a range of days outside 1..31 (the booking grid's own bound) is refused by name (`free_slots_days`) first.
-- Both stay SECURITY INVOKER.
CREATE FUNCTION clinicdesk_check_slot_days(p_days integer) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF p_days IS NULL OR p_days < 1 OR p_days > 31 THEN
    RAISE EXCEPTION 'ask for 1 to 31 days of slots' USING ERRCODE = 'check_violation', CONSTRAINT = 'free_slots_days';
  END IF;
END $$;
REVOKE ALL ON FUNCTION clinicdesk_check_slot_days(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clinicdesk_check_slot_days(integer) TO clinicdesk_staff;

DROP FUNCTION clinicdesk_first_free_slot(bigint[], date, integer, timestamptz, text);
DROP FUNCTION clinicdesk_free_slots(bigint[], date, integer, timestamptz, text);

CREATE FUNCTION clinicdesk_free_slots(p_doctor_ids bigint[], p_from date, p_days integer, p_now timestamptz,
                                      p_tz text, p_minutes integer)
RETURNS TABLE (doctor_id bigint, starts_at timestamptz, ends_at timestamptz, local_date date, local_time time,
               local_end time)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
-- the planner cannot estimate the generated rows; its guess would make JIT compile for seconds
SET jit = off
AS $$
#variable_conflict use_column
BEGIN
  PERFORM public.clinicdesk_check_slot_days(p_days);
  RETURN QUERY
  WITH doc AS MATERIALIZED (
    SELECT d.id, make_interval(mins => d.slot_minutes) AS step,
           make_interval(mins => coalesce(p_minutes,
                                          (SELECT t.minutes FROM public.doctor_appointment_types x
                                             JOIN public.appointment_types t ON t.id = x.type_id
                                            WHERE x.doctor_id = d.id AND x.is_default),
                                          d.slot_minutes)) AS len
      FROM public.doctors d
     WHERE d.id = ANY (p_doctor_ids)
  ), day AS MATERIALIZED (
    -- the two UTC offsets a local day can have (before and after a transition): sampled 14 h either side of
    -- it, which covers every zone's day; they differ only on a transition day
    SELECT g.d,
           ((g.d::timestamp - interval '14 hours') AT TIME ZONE 'UTC' AT TIME ZONE p_tz)
             - (g.d::timestamp - interval '14 hours') AS off_a,
           ((g.d::timestamp + interval '38 hours') AT TIME ZONE 'UTC' AT TIME ZONE p_tz)
             - (g.d::timestamp + interval '38 hours') AS off_b
      FROM (SELECT (p_from + i)::date AS d FROM pg_catalog.generate_series(0, p_days - 1) i) g
  ), exc AS MATERIALIZED (
    SELECT x.doctor_id, x.on_date, x.kind, x.starts_at, x.ends_at
      FROM public.doctor_availability_exceptions x
     WHERE (x.doctor_id = ANY (p_doctor_ids) OR x.doctor_id IS NULL)
       AND x.on_date >= p_from AND x.on_date < p_from + p_days
  ), open AS (
    -- weekly sessions of the weekday and that day's extra sessions, touching ones merged (range_agg)
    SELECT o.id, o.d, range_agg(timerange(o.s, o.e)) AS open
      FROM (SELECT doc.id, day.d, a.starts_at AS s, a.ends_at AS e
              FROM doc CROSS JOIN day
              JOIN public.doctor_availability a ON a.doctor_id = doc.id AND a.weekday = extract(isodow FROM day.d)
            UNION ALL
            SELECT e.doctor_id, e.on_date, e.starts_at, e.ends_at FROM exc e WHERE e.kind = 'extra') o
     GROUP BY o.id, o.d
  ), cut AS (
    -- leave and holidays; one without times closes the whole day
    SELECT doc.id, e.on_date AS d, range_agg(timerange(e.starts_at, e.ends_at)) AS cut,
           bool_or(e.starts_at IS NULL) AS whole_day
      FROM doc JOIN exc e ON e.doctor_id = doc.id OR e.doctor_id IS NULL
     WHERE e.kind <> 'extra'
     GROUP BY doc.id, e.on_date
  ), windows AS MATERIALIZED (
    SELECT doc.id, doc.step, doc.len, day.d, day.off_a, day.off_b,
           o.open - coalesce(c.cut, '{}'::public.timemultirange) AS open
      FROM open o JOIN doc ON doc.id = o.id JOIN day ON day.d = o.d
      LEFT JOIN cut c ON c.id = o.id AND c.d = o.d
     WHERE NOT coalesce(c.whole_day, false)
  ), slots AS (
    SELECT w.id, w.len, w.d, w.off_a, w.off_b, lower(r) + k * w.step AS t
      FROM windows w
      CROSS JOIN LATERAL unnest(w.open) r
      CROSS JOIN LATERAL pg_catalog.generate_series(
        0, floor((extract(epoch FROM upper(r) - lower(r)) - extract(epoch FROM w.len))
                 / extract(epoch FROM w.step))::integer) k
  ), instants AS MATERIALIZED (
    SELECT s.id, s.len, s.d, s.t,
           CASE WHEN s.off_a = s.off_b THEN (s.d + s.t - s.off_a) AT TIME ZONE 'UTC'
                ELSE (SELECT min(u) FROM (VALUES ((s.d + s.t - s.off_a) AT TIME ZONE 'UTC'),
                                                 ((s.d + s.t - s.off_b) AT TIME ZONE 'UTC')) c(u)
                       WHERE u AT TIME ZONE p_tz = s.d + s.t)
           END AS at
      FROM slots s
  ), busy AS MATERIALIZED (
    -- the doctors' appointments over the days, one multirange each (one index range scan, like `Schedules`);
    -- appointments last at most a day (appointments_length), which bounds the scan's start (14 h: any zone's day)
    SELECT a.doctor_id, range_agg(tstzrange(a.starts_at, a.ends_at)) AS taken
      FROM public.appointments a
     WHERE a.doctor_id = ANY (p_doctor_ids) AND a.status <> 'cancelled'
       AND a.starts_at > (p_from::timestamp - interval '38 hours') AT TIME ZONE 'UTC'
       AND a.starts_at < ((p_from + p_days)::timestamp + interval '14 hours') AT TIME ZONE 'UTC'
     GROUP BY a.doctor_id
  )
  SELECT i.id, i.at, i.at + i.len, i.d, i.t, i.t + i.len
    FROM instants i LEFT JOIN busy b ON b.doctor_id = i.id
   WHERE i.at IS NOT NULL AND i.at >= p_now
     AND NOT coalesce(b.taken && tstzrange(i.at, i.at + i.len), false)
   ORDER BY i.at, i.id;
END
$$;


CREATE FUNCTION clinicdesk_first_free_slot(p_doctor_ids bigint[], p_from date, p_days integer, p_now timestamptz,
                                           p_tz text, p_minutes integer)
RETURNS TABLE (doctor_id bigint, starts_at timestamptz, ends_at timestamptz, local_date date, local_time time,
               local_end time)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
SET jit = off
AS $$
#variable_conflict use_column
BEGIN
  PERFORM public.clinicdesk_check_slot_days(p_days);
  FOR i IN 0 .. p_days - 1 LOOP
    RETURN QUERY
      SELECT f.doctor_id, f.starts_at, f.ends_at, f.local_date, f.local_time, f.local_end
        FROM public.clinicdesk_free_slots(p_doctor_ids, p_from + i, 1, p_now, p_tz, p_minutes) f
        JOIN public.doctors d ON d.id = f.doctor_id
       ORDER BY f.starts_at, d.full_name, d.id
       LIMIT 1;
    IF FOUND THEN
      RETURN;
    END IF;
  END LOOP;
END
$$;


REVOKE ALL ON FUNCTION clinicdesk_free_slots(bigint[], date, integer, timestamptz, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clinicdesk_free_slots(bigint[], date, integer, timestamptz, text, integer) TO clinicdesk_staff;
REVOKE ALL ON FUNCTION clinicdesk_first_free_slot(bigint[], date, integer, timestamptz, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clinicdesk_first_free_slot(bigint[], date, integer, timestamptz, text, integer) TO clinicdesk_staff;
