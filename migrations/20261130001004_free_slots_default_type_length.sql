-- Free slots without a type are the doctor's default visit, as booking without a type books it: with p_minutes
-- NULL the length is the doctor's default type's, else their slot (as `visit_minutes` in Rust). Before this, first
-- available in a department could offer a start where a doctor's longer default visit does not fit.
CREATE OR REPLACE FUNCTION clinicdesk_free_slots(p_doctor_ids bigint[], p_from date, p_days integer, p_now timestamptz,
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
