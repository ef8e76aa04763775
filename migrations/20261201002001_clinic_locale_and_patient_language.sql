-- Issue 17 (backend): the clinic's locale and the patient's language.
--
-- 1. The clinic's locale in the settings row: language ('en' | 'es'), date format, 12/24-hour clock, first day of the
--    week. Every staff role reads the settings already (the UI formats with them); only administrators write them.
-- 2. A patient's preferred language for messages ('en' | 'es'), written by the desk form like the other contact
--    fields.
-- 3. Patient messages in the patient's language, their dates and times in the clinic's date format and clock. The
--    wording and the date format are in one place (`clinicdesk_message_text`), used by the event messages and by
--    the reminder planner (weekday and month names from arrays, never `TM` names: the server's lc_time is not ours
--    to rely on). The monthly report emails follow the clinic's language. The staff chat digest stays English (see
--    docs/decisions.md).

-- ---------------------------------------------------------------- 1. the clinic's locale
ALTER TABLE settings
  ADD COLUMN language    text NOT NULL DEFAULT 'en'
    CONSTRAINT settings_language_check CHECK (language IN ('en', 'es')),
  ADD COLUMN date_format text NOT NULL DEFAULT 'dd/MM/yyyy'
    CONSTRAINT settings_date_format_check CHECK (date_format IN ('dd/MM/yyyy', 'MM/dd/yyyy', 'yyyy-MM-dd', 'dd.MM.yyyy')),
  ADD COLUMN clock       text NOT NULL DEFAULT '24h'
    CONSTRAINT settings_clock_check CHECK (clock IN ('24h', '12h')),
  ADD COLUMN first_day   integer NOT NULL DEFAULT 1
    CONSTRAINT settings_first_day_check CHECK (first_day IN (0, 1, 6));
-- SELECT on settings is granted to clinicdesk_staff already (every role); writing is for administrators only.
GRANT UPDATE (language, date_format, clock, first_day) ON settings TO clinicdesk_admin;

-- ---------------------------------------------------------------- 2. the patient's language
ALTER TABLE patients
  ADD COLUMN preferred_language text NOT NULL DEFAULT 'en'
    CONSTRAINT patients_preferred_language_check CHECK (preferred_language IN ('en', 'es'));
GRANT INSERT (preferred_language), UPDATE (preferred_language) ON patients TO clinicdesk_admin, clinicdesk_reception;

-- ---------------------------------------------------------------- 3. the wording, in one place
-- Every patient message's subject and body, in English or Spanish: p_kind 'booked', 'reminder', 'rescheduled' or
-- 'cancelled'; p_first the patient's first name (NULL: none known); the appointment's start p_at shown in the zone,
-- date format and clock given (the callers read them from the settings once): "Tue 03/12/2026 at 09:30" /
-- "mar 03/12/2026 a las 9:30 a. m." (weekday names from arrays, never `TM`: the server's lc_time is not ours).
-- local_when is that date and time alone; with p_kind NULL only it is computed. Only clinic, doctor, date and time:
-- nothing clinical. Reads no table; one call per message (the planner calls it once per appointment: each call of a
-- function with a pinned search_path costs a GUC switch, so the date is formatted here, not by a second function).
CREATE FUNCTION clinicdesk_message_text(p_kind text, p_lang text, p_first text, p_clinic text, p_doctor text,
                                        p_at timestamptz, p_tz text, p_date_format text, p_clock text,
                                        OUT subject text, OUT body text, OUT local_when text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  v_es boolean := p_lang = 'es';
  v_t timestamp := p_at AT TIME ZONE coalesce(p_tz, 'UTC');
  v_hour text;
  v_time text;
  v_hello text;
  v_clinic text;
BEGIN
  IF p_clock = '12h' THEN
    v_hour := pg_catalog.to_char(v_t, 'HH12');
    v_time := pg_catalog.to_char(v_t, 'FMHH12:MI AM');
    IF v_es THEN
      v_time := pg_catalog.replace(pg_catalog.replace(v_time, 'AM', 'a. m.'), 'PM', 'p. m.');
    END IF;
  ELSE
    v_hour := pg_catalog.to_char(v_t, 'HH24');
    v_time := pg_catalog.to_char(v_t, 'HH24:MI');
  END IF;
  local_when := (CASE WHEN v_es THEN ARRAY['dom', 'lun', 'mar', 'mié', 'jue', 'vie', 'sáb']
                                ELSE ARRAY['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] END)
                  [pg_catalog.date_part('dow', v_t)::int + 1]
                || ' ' || pg_catalog.to_char(v_t, CASE p_date_format WHEN 'MM/dd/yyyy' THEN 'MM/DD/YYYY'
                                                                     WHEN 'yyyy-MM-dd' THEN 'YYYY-MM-DD'
                                                                     WHEN 'dd.MM.yyyy' THEN 'DD.MM.YYYY'
                                                                     ELSE 'DD/MM/YYYY' END)
                || CASE WHEN NOT v_es THEN ' at ' WHEN v_hour = '01' THEN ' a la ' ELSE ' a las ' END
                || v_time;
  IF p_kind IS NULL THEN
    RETURN;
  END IF;
  IF v_es THEN
    v_hello := 'Hola' || coalesce(' ' || p_first, '');
    v_clinic := coalesce(p_clinic, 'la clínica');
  ELSE
    v_hello := 'Hello ' || coalesce(p_first, 'there');
    v_clinic := coalesce(p_clinic, 'the clinic');
  END IF;
  CASE p_kind
    WHEN 'booked' THEN
      IF v_es THEN
        subject := 'Cita confirmada';
        body := pg_catalog.format('%s, su cita en %s con %s está confirmada para el %s.', v_hello, v_clinic, p_doctor, local_when);
      ELSE
        subject := 'Appointment confirmed';
        body := pg_catalog.format('%s, your appointment at %s with %s is confirmed for %s.', v_hello, v_clinic, p_doctor, local_when);
      END IF;
    WHEN 'reminder' THEN
      IF v_es THEN
        subject := 'Recordatorio de cita';
        body := pg_catalog.format('%s, le recordamos su cita en %s con %s el %s. Responda o llámenos si no puede venir.',
                                  v_hello, v_clinic, p_doctor, local_when);
      ELSE
        subject := 'Appointment reminder';
        body := pg_catalog.format('%s, this is a reminder of your appointment at %s with %s on %s. Reply or call us if you cannot come.',
                                  v_hello, v_clinic, p_doctor, local_when);
      END IF;
    WHEN 'rescheduled' THEN
      IF v_es THEN
        subject := 'Cita cambiada';
        body := pg_catalog.format('%s, su cita en %s con %s se ha cambiado al %s.', v_hello, v_clinic, p_doctor, local_when);
      ELSE
        subject := 'Appointment moved';
        body := pg_catalog.format('%s, your appointment at %s with %s has moved to %s.', v_hello, v_clinic, p_doctor, local_when);
      END IF;
    WHEN 'cancelled' THEN
      IF v_es THEN
        subject := 'Cita cancelada';
        body := pg_catalog.format('%s, su cita en %s con %s el %s ha sido cancelada. Llámenos para pedir otra.',
                                  v_hello, v_clinic, p_doctor, local_when);
      ELSE
        subject := 'Appointment cancelled';
        body := pg_catalog.format('%s, your appointment at %s with %s on %s has been cancelled. Call us to book another.',
                                  v_hello, v_clinic, p_doctor, local_when);
      END IF;
    ELSE
      RAISE EXCEPTION 'unknown message event %', p_kind USING ERRCODE = 'invalid_parameter_value';
  END CASE;
  subject := v_clinic || ': ' || subject;
END $$;
REVOKE ALL ON FUNCTION clinicdesk_message_text(text, text, text, text, text, timestamptz, text, text, text) FROM PUBLIC;

-- Kept for anything that still asks for "the clinic's local when": now in the clinic's format and clock, in English.
CREATE OR REPLACE FUNCTION clinicdesk_local_when(p_at timestamptz) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
  SELECT t.local_when
    FROM (SELECT (SELECT x.time_zone FROM public.settings x) AS time_zone,
                 (SELECT x.date_format FROM public.settings x) AS date_format,
                 (SELECT x.clock FROM public.settings x) AS clock) s,
         LATERAL public.clinicdesk_message_text(NULL, 'en', NULL, NULL, NULL, p_at, s.time_zone, s.date_format, s.clock) t
$$;
REVOKE ALL ON FUNCTION clinicdesk_local_when(timestamptz) FROM PUBLIC;

-- ---------------------------------------------------------------- the event messages (as in 20261129002001)
-- As before (consent, opt-out, tombstones, channel choice, dedupe), now in the patient's language and the clinic's
-- date format and clock.
CREATE OR REPLACE FUNCTION clinicdesk_enqueue_patient_message(p_appointment_id bigint, p_event text, p_dedupe_key text)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  a record;
  s record;
  v_channel text;
  v_recipient text;
  v_text record;
  v_id bigint;
BEGIN
  SELECT ap.id, ap.starts_at, d.full_name AS doctor_name, p.full_name AS patient_name, p.reminder_consent,
         p.opted_out, p.merged_into_id, p.preferred_channel, p.preferred_language,
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
  IF p_event IS NULL OR p_event NOT IN ('booked', 'reminder', 'rescheduled', 'cancelled') THEN
    RAISE EXCEPTION 'unknown message event %', p_event USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT x.clinic_name, x.time_zone, x.date_format, x.clock INTO s FROM public.settings x;
  SELECT t.subject, t.body INTO v_text
    FROM public.clinicdesk_message_text(
           p_event, a.preferred_language,
           nullif(pg_catalog.split_part(pg_catalog.btrim(a.patient_name), ' ', 1), ''),
           s.clinic_name, a.doctor_name, a.starts_at, s.time_zone, s.date_format, s.clock) t;
  INSERT INTO public.notifications (dedupe_key, kind, channel, recipient, subject, body, appointment_id)
  VALUES (p_dedupe_key, CASE WHEN p_event = 'reminder' THEN 'reminder' ELSE 'confirmation' END,
          v_channel, v_recipient, v_text.subject, v_text.body, a.id)
  ON CONFLICT (dedupe_key) DO NOTHING
  RETURNING id INTO v_id;
  RETURN CASE WHEN v_id IS NULL THEN 'duplicate' ELSE 'queued' END;
END $$;
REVOKE ALL ON FUNCTION clinicdesk_enqueue_patient_message(bigint, text, text) FROM PUBLIC;

-- ---------------------------------------------------------------- the reminder planner (as in 20261130002001)
-- Unchanged but for the wording: composed once per appointment by clinicdesk_message_text, in the patient's
-- language, with the clinic's date format and clock read once per pass.
CREATE OR REPLACE FUNCTION clinicdesk_plan_reminders_for(p_appointment_id bigint, p_rule_id bigint, p_until timestamptz)
RETURNS TABLE (planned bigint, already_planned bigint, too_late bigint, no_contact bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  v_tz text;
  v_clinic text;
  v_qs time;
  v_qe time;
  v_date_format text;
  v_clock text;
BEGIN
  SELECT s.time_zone, s.clinic_name, s.sms_quiet_start, s.sms_quiet_end, s.date_format, s.clock
    INTO v_tz, v_clinic, v_qs, v_qe, v_date_format, v_clock
    FROM public.settings s;
  v_tz := coalesce(v_tz, 'UTC');
  WITH appts AS (
    SELECT a.id, a.starts_at, a.doctor_id, a.patient_id
      FROM public.appointments a
     WHERE a.status = 'booked' AND a.starts_at > pg_catalog.now()
       AND (p_appointment_id IS NULL OR a.id = p_appointment_id)
       AND (p_until IS NULL OR a.starts_at < p_until)
       FOR SHARE OF a
  ), cand AS (
    SELECT a.id AS appointment_id, a.starts_at, a.patient_id, a.doctor_id, r.id AS rule_id, ch.channel,
           CASE ch.channel WHEN 'sms' THEN nullif(pg_catalog.btrim(p.phone), '')
                           ELSE nullif(pg_catalog.btrim(p.email), '') END AS recipient,
           CASE r.kind
             WHEN 'lead' THEN a.starts_at - r.lead_minutes * interval '1 minute'
             ELSE ((((a.starts_at AT TIME ZONE v_tz)::date) - 1) + r.local_time) AT TIME ZONE v_tz
           END AS due
      FROM appts a
      JOIN public.patients p ON p.id = a.patient_id
      JOIN public.reminder_rules r ON (p_rule_id IS NULL OR r.id = p_rule_id)
      CROSS JOIN LATERAL pg_catalog.unnest(CASE r.channel WHEN 'both' THEN ARRAY['email', 'sms']
                                                          ELSE ARRAY[r.channel] END) AS ch(channel)
     WHERE p.reminder_consent AND NOT p.opted_out AND p.merged_into_id IS NULL
  ), timed AS (
    SELECT c.*, CASE WHEN c.channel = 'sms' AND v_qs IS NOT NULL
                     THEN public.clinicdesk_sms_allowed_at(c.due, v_tz, v_qs, v_qe)
                     ELSE c.due END AS send_at,
           'reminder:' || c.appointment_id || ':rule' || c.rule_id || ':' || c.channel || ':'
             || pg_catalog.date_part('epoch', c.starts_at)::bigint AS dedupe_key
      FROM cand c
  ), ok AS (
    SELECT t.* FROM timed t
     WHERE t.recipient IS NOT NULL AND t.send_at > pg_catalog.now() AND t.send_at < t.starts_at
  ), fresh AS (
    -- composed only for what is not planned yet (the unique key still decides between racing planners)
    SELECT o.* FROM ok o
     WHERE NOT EXISTS (SELECT 1 FROM public.notifications n WHERE n.dedupe_key = o.dedupe_key)
  ), words AS (
    -- once per appointment: the subject and body in the patient's language
    SELECT x.appointment_id, m.subject, m.body
      FROM (SELECT DISTINCT f.appointment_id, f.starts_at, f.patient_id, f.doctor_id FROM fresh f) x
      JOIN public.patients p ON p.id = x.patient_id
      JOIN public.doctors d ON d.id = x.doctor_id
      CROSS JOIN LATERAL public.clinicdesk_message_text(
             'reminder', p.preferred_language,
             nullif(pg_catalog.split_part(pg_catalog.btrim(p.full_name), ' ', 1), ''),
             v_clinic, d.full_name, x.starts_at, v_tz, v_date_format, v_clock) m
  ), ins AS (
    INSERT INTO public.notifications (dedupe_key, kind, channel, recipient, subject, body, appointment_id,
                                      next_attempt_at, reminder_rule_id, planned_for)
    SELECT f.dedupe_key, 'reminder', f.channel, f.recipient, w.subject, w.body,
           f.appointment_id, f.send_at, f.rule_id, f.due
      FROM fresh f JOIN words w ON w.appointment_id = f.appointment_id
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM ins),
         (SELECT count(*) FROM ok) - (SELECT count(*) FROM ins),
         (SELECT count(*) FROM timed t WHERE t.recipient IS NOT NULL
             AND NOT (t.send_at > pg_catalog.now() AND t.send_at < t.starts_at)),
         (SELECT count(*) FROM timed t WHERE t.recipient IS NULL)
    INTO planned, already_planned, too_late, no_contact;
  IF planned > 0 THEN
    PERFORM public.audit_event('reminders_planned', 'notifications',
              coalesce(p_appointment_id::text, CASE WHEN p_rule_id IS NULL THEN NULL ELSE 'rule ' || p_rule_id END),
              pg_catalog.jsonb_build_object('planned', planned, 'appointment', p_appointment_id, 'rule', p_rule_id));
  END IF;
  RETURN NEXT;
END $$;
REVOKE ALL ON FUNCTION clinicdesk_plan_reminders_for(bigint, bigint, timestamptz) FROM PUBLIC;

-- A patient who changes language gets the pending rule reminders re-planned in the new one (as for a new contact).
DROP TRIGGER patients_replan_reminders ON patients;
CREATE TRIGGER patients_replan_reminders AFTER UPDATE OF phone, email, reminder_consent, opted_out, preferred_language
  ON patients
  FOR EACH ROW WHEN (OLD.phone IS DISTINCT FROM NEW.phone OR OLD.email IS DISTINCT FROM NEW.email
                     OR OLD.reminder_consent IS DISTINCT FROM NEW.reminder_consent
                     OR OLD.opted_out IS DISTINCT FROM NEW.opted_out
                     OR OLD.preferred_language IS DISTINCT FROM NEW.preferred_language)
  EXECUTE FUNCTION patients_replan_reminders();

-- ---------------------------------------------------------------- the monthly report emails (as in 20261128000011)
-- In the clinic's language: subject and short body (the attached HTML is the stored report, already translated by
-- the report job). Month names from arrays, not `TM`.
CREATE OR REPLACE FUNCTION clinicdesk_enqueue_report_emails(p_month date)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  v_es boolean := coalesce((SELECT s.language FROM public.settings s), 'en') = 'es';
  v_clinic text := coalesce((SELECT s.clinic_name FROM public.settings s),
                            CASE WHEN v_es THEN 'la clínica' ELSE 'the clinic' END);
  v_label text;
  v_period text := pg_catalog.to_char(p_month, 'YYYY-MM');
  v_doc_subject text;
  v_doc_body text;
  v_sum_subject text;
  v_sum_body text;
  v_n bigint := 0;
  v_rows bigint;
BEGIN
  PERFORM public.clinicdesk_require_job_runner();
  IF v_es THEN
    v_label := (ARRAY['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre',
                      'octubre', 'noviembre', 'diciembre'])[pg_catalog.date_part('month', p_month)::int]
               || ' de ' || pg_catalog.to_char(p_month, 'YYYY');
    v_doc_subject := v_clinic || ': su informe de ' || v_label;
    v_doc_body := 'Su informe de ClinicDesk de ' || v_label || ' va adjunto en HTML. También está en ClinicDesk, en Informes.';
    v_sum_subject := v_clinic || ': resumen mensual de ' || v_label;
    v_sum_body := 'El resumen de ClinicDesk de ' || v_label || '. También está en ClinicDesk, en Informes.';
  ELSE
    v_label := (ARRAY['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
                      'October', 'November', 'December'])[pg_catalog.date_part('month', p_month)::int]
               || ' ' || pg_catalog.to_char(p_month, 'YYYY');
    v_doc_subject := v_clinic || ': your report for ' || v_label;
    v_doc_body := 'Your ClinicDesk report for ' || v_label || ' is attached as HTML. It is also in ClinicDesk under Reports.';
    v_sum_subject := v_clinic || ': monthly summary for ' || v_label;
    v_sum_body := 'The ClinicDesk summary for ' || v_label || '. It is also in ClinicDesk under Reports.';
  END IF;
  INSERT INTO public.notifications (dedupe_key, kind, channel, recipient, subject, body, body_html)
  SELECT 'report:' || v_period || ':doctor:' || d.id, 'report', 'email', pg_catalog.btrim(d.email),
         v_doc_subject, v_doc_body, r.html
    FROM public.reports r JOIN public.doctors d ON d.id = r.doctor_id
   WHERE r.month = p_month AND d.active AND coalesce(pg_catalog.btrim(d.email), '') <> ''
   ORDER BY d.id
  ON CONFLICT (dedupe_key) DO NOTHING;
  GET DIAGNOSTICS v_rows = ROW_COUNT;
  v_n := v_n + v_rows;
  INSERT INTO public.notifications (dedupe_key, kind, channel, recipient, subject, body, body_html)
  SELECT 'report:' || v_period || ':clinic:' || pg_catalog.lower(addr), 'report', 'email', addr,
         v_sum_subject, v_sum_body, r.html
    FROM public.reports r,
         LATERAL (SELECT DISTINCT pg_catalog.btrim(x) AS addr
                    FROM pg_catalog.regexp_split_to_table((SELECT j.report_recipients FROM public.job_settings j), ',') x
                   WHERE pg_catalog.btrim(x) <> '') rcpt
   WHERE r.month = p_month AND r.doctor_id IS NULL
  ON CONFLICT (dedupe_key) DO NOTHING;
  GET DIAGNOSTICS v_rows = ROW_COUNT;
  RETURN v_n + v_rows;
END $$;
REVOKE ALL ON FUNCTION clinicdesk_enqueue_report_emails(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clinicdesk_enqueue_report_emails(date) TO clinicdesk_admin;
