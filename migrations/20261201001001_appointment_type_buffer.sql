-- Issue 14, part 1: an optional buffer after a type (the doctor's time to clean up or write up after the visit).
--
-- * `appointment_types.buffer_minutes` (0–60, in 5-minute steps; 0 = none), written by administrators.
-- * An appointment keeps the buffer it was booked with (`buffer_minutes`, stamped by the database from the type on
--   insert and kept on every update; no staff column grant) and `blocked_until` (its end plus that buffer,
--   generated). A type changed since changes no booking, like its length; a move keeps the buffer.
-- * The doctor's exclusion constraint compares [starts_at, blocked_until): no visit of the doctor can start inside
--   another's buffer. The patient's compares the visits themselves (the buffer is the doctor's time, not theirs).
-- * The free-slot functions count a type's buffer in the run that must be free (`p_minutes` is the visit's
--   length; the new `p_buffer` is its buffer, NULL = the doctor's default type's), and busy times end at
--   `blocked_until`. The visit and its buffer both lie inside the doctor's hours.

ALTER TABLE appointment_types
  ADD COLUMN buffer_minutes integer NOT NULL DEFAULT 0
    CONSTRAINT appointment_types_buffer_minutes_check CHECK (buffer_minutes BETWEEN 0 AND 60 AND buffer_minutes % 5 = 0);
GRANT INSERT (buffer_minutes), UPDATE (buffer_minutes) ON appointment_types TO clinicdesk_admin;

-- ends_at plus whole minutes: no day or month parts, so the result does not depend on the session's time zone and
-- the function may be IMMUTABLE (which a generated column and an index need; timestamptz + interval is STABLE only
-- because of day and month parts).
CREATE FUNCTION clinicdesk_plus_minutes(p_at timestamptz, p_minutes integer) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT p_at + pg_catalog.make_interval(mins => p_minutes) $$;
REVOKE ALL ON FUNCTION clinicdesk_plus_minutes(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clinicdesk_plus_minutes(timestamptz, integer) TO clinicdesk_staff;

-- The buffer a visit was booked with (0 for rows written without triggers, e.g. bulk loads), and where the doctor
-- is free again: generated, so nobody writes it.
ALTER TABLE appointments
  ADD COLUMN buffer_minutes integer NOT NULL DEFAULT 0
    CONSTRAINT appointments_buffer_minutes_check CHECK (buffer_minutes BETWEEN 0 AND 60),
  ADD COLUMN blocked_until timestamptz
    GENERATED ALWAYS AS (public.clinicdesk_plus_minutes(ends_at, buffer_minutes)) STORED;

CREATE FUNCTION appointments_buffer() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.buffer_minutes := coalesce(
      (SELECT t.buffer_minutes FROM public.appointment_types t WHERE t.id = NEW.type_id), 0);
  ELSE
    NEW.buffer_minutes := OLD.buffer_minutes;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER appointments_buffer BEFORE INSERT OR UPDATE ON appointments
  FOR EACH ROW EXECUTE FUNCTION appointments_buffer();

ALTER TABLE appointments DROP CONSTRAINT appointments_no_doctor_overlap;
ALTER TABLE appointments ADD CONSTRAINT appointments_no_doctor_overlap
  EXCLUDE USING gist (doctor_id WITH =, tstzrange(starts_at, blocked_until, '[)') WITH &&)
  WHERE (status <> 'cancelled' AND NOT overbooked);

-- ---------------------------------------------------------------- free slots with the buffer
-- As in 20261130001002, and: the run that must be free inside a window and clear of busy times is the visit plus
-- its buffer (`occ`); busy times end at `blocked_until`. A slot ends where the doctor is free again (the visit
-- and its buffer), as in `Schedules::free_for`.
DROP FUNCTION clinicdesk_first_free_slot(bigint[], date, integer, timestamptz, text, integer);
DROP FUNCTION clinicdesk_free_slots(bigint[], date, integer, timestamptz, text, integer);

CREATE FUNCTION clinicdesk_free_slots(p_doctor_ids bigint[], p_from date, p_days integer, p_now timestamptz,
                                      p_tz text, p_minutes integer, p_buffer integer DEFAULT NULL)
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
    -- the visit's length (`len`: p_minutes, else the doctor's default type's, else their slot) and the run that
    -- must be free (`occ`: the visit and the buffer after it; the default type's buffer when no length is given)
    SELECT d.id, make_interval(mins => d.slot_minutes) AS step,
           make_interval(mins => coalesce(p_minutes, dt.minutes, d.slot_minutes)) AS len,
           make_interval(mins => coalesce(p_minutes, dt.minutes, d.slot_minutes)
                                 + coalesce(p_buffer, CASE WHEN p_minutes IS NULL THEN dt.buffer_minutes END, 0)) AS occ
      FROM public.doctors d
      LEFT JOIN (SELECT x.doctor_id, t.minutes, t.buffer_minutes
                   FROM public.doctor_appointment_types x
                   JOIN public.appointment_types t ON t.id = x.type_id
                  WHERE x.is_default) dt ON dt.doctor_id = d.id
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
    SELECT doc.id, doc.step, doc.len, doc.occ, day.d, day.off_a, day.off_b,
           o.open - coalesce(c.cut, '{}'::public.timemultirange) AS open
      FROM open o JOIN doc ON doc.id = o.id JOIN day ON day.d = o.d
      LEFT JOIN cut c ON c.id = o.id AND c.d = o.d
     WHERE NOT coalesce(c.whole_day, false)
  ), slots AS (
    SELECT w.id, w.len, w.occ, w.d, w.off_a, w.off_b, lower(r) + k * w.step AS t
      FROM windows w
      CROSS JOIN LATERAL unnest(w.open) r
      CROSS JOIN LATERAL pg_catalog.generate_series(
        0, floor((extract(epoch FROM upper(r) - lower(r)) - extract(epoch FROM w.occ))
                 / extract(epoch FROM w.step))::integer) k
  ), instants AS MATERIALIZED (
    SELECT s.id, s.len, s.occ, s.d, s.t,
           CASE WHEN s.off_a = s.off_b THEN (s.d + s.t - s.off_a) AT TIME ZONE 'UTC'
                ELSE (SELECT min(u) FROM (VALUES ((s.d + s.t - s.off_a) AT TIME ZONE 'UTC'),
                                                 ((s.d + s.t - s.off_b) AT TIME ZONE 'UTC')) c(u)
                       WHERE u AT TIME ZONE p_tz = s.d + s.t)
           END AS at
      FROM slots s
  ), busy AS MATERIALIZED (
    -- the doctors' appointments and their buffers over the days, one multirange each (one index range scan);
    -- appointments last at most a day (appointments_length), which bounds the scan's start (14 h: any zone's day)
    SELECT a.doctor_id, range_agg(tstzrange(a.starts_at, a.blocked_until)) AS taken
      FROM public.appointments a
     WHERE a.doctor_id = ANY (p_doctor_ids) AND a.status <> 'cancelled'
       AND a.starts_at > (p_from::timestamp - interval '38 hours') AT TIME ZONE 'UTC'
       AND a.starts_at < ((p_from + p_days)::timestamp + interval '14 hours') AT TIME ZONE 'UTC'
     GROUP BY a.doctor_id
  )
  SELECT i.id, i.at, i.at + i.occ, i.d, i.t, i.t + i.occ
    FROM instants i LEFT JOIN busy b ON b.doctor_id = i.id
   WHERE i.at IS NOT NULL AND i.at >= p_now
     AND NOT coalesce(b.taken && tstzrange(i.at, i.at + i.occ), false)
   ORDER BY i.at, i.id;
END
$$;


CREATE FUNCTION clinicdesk_first_free_slot(p_doctor_ids bigint[], p_from date, p_days integer, p_now timestamptz,
                                           p_tz text, p_minutes integer, p_buffer integer DEFAULT NULL)
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
        FROM public.clinicdesk_free_slots(p_doctor_ids, p_from + i, 1, p_now, p_tz, p_minutes, p_buffer) f
        JOIN public.doctors d ON d.id = f.doctor_id
       ORDER BY f.starts_at, d.full_name, d.id
       LIMIT 1;
    IF FOUND THEN
      RETURN;
    END IF;
  END LOOP;
END
$$;


REVOKE ALL ON FUNCTION clinicdesk_free_slots(bigint[], date, integer, timestamptz, text, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clinicdesk_free_slots(bigint[], date, integer, timestamptz, text, integer, integer) TO clinicdesk_staff;
REVOKE ALL ON FUNCTION clinicdesk_first_free_slot(bigint[], date, integer, timestamptz, text, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clinicdesk_first_free_slot(bigint[], date, integer, timestamptz, text, integer, integer) TO clinicdesk_staff;
