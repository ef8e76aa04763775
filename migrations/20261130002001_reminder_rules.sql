-- Issue 15 (part 2): reminder rules. The clinic says when patients are reminded: any number of rules, each a lead
-- time ("2 h before", 1 minute to 14 days, elapsed time) or a local time the evening before ("18:00 the day
-- before", wall-clock in the clinic's zone), each by email, SMS or both; and clinic-wide SMS quiet hours (an SMS due
-- inside them moves to the end of them, the next allowed minute).
--
-- Reminders are planned, not sent by a job at a fixed hour: a planned reminder is an outbox row (`notifications`,
-- kind 'reminder', status 'pending') whose `next_attempt_at` is its due time, so the dispatcher that already claims
-- due rows sends it, exactly once (one dedupe key per appointment × rule × channel × start time). Planned when an
-- appointment is booked and when a rule is added; re-planned when it moves; withdrawn ('cancelled') when it is
-- cancelled or its rule removed; re-planned when the patient's contact or consent changes; the daily reminders job
-- plans whatever a bulk load left out (catch-up). Only database code composes the rows. The existing same-day job
-- (and the optional day-before job) stay as they were: they are today's behaviour, so no rule is seeded; the
-- same-day job's own messages can now be turned off (`job_settings.same_day_enabled`). See docs/decisions.md.

-- ---------------------------------------------------------------- rules (administrators write, staff read)
CREATE TABLE reminder_rules (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind         text NOT NULL CONSTRAINT reminder_rules_kind_check CHECK (kind IN ('lead', 'evening_before')),
  lead_minutes integer CONSTRAINT reminder_rules_lead_minutes_check CHECK (lead_minutes BETWEEN 1 AND 20160),
  local_time   time CONSTRAINT reminder_rules_local_time_check CHECK (local_time = date_trunc('minute', local_time)),
  channel      text NOT NULL CONSTRAINT reminder_rules_channel_check CHECK (channel IN ('email', 'sms', 'both')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  created_by   text NOT NULL DEFAULT session_user,
  CONSTRAINT reminder_rules_shape CHECK ((kind = 'lead' AND lead_minutes IS NOT NULL AND local_time IS NULL)
                                      OR (kind = 'evening_before' AND local_time IS NOT NULL AND lead_minutes IS NULL))
);
CREATE UNIQUE INDEX reminder_rules_same_key ON reminder_rules (kind, coalesce(lead_minutes, 0), coalesce(local_time, '00:00'), channel);
GRANT SELECT ON reminder_rules TO clinicdesk_staff;
GRANT INSERT (kind, lead_minutes, local_time, channel), DELETE ON reminder_rules TO clinicdesk_admin;
CREATE TRIGGER reminder_rules_audit AFTER INSERT OR DELETE ON reminder_rules FOR EACH ROW EXECUTE FUNCTION audit_row();

-- ---------------------------------------------------------------- SMS quiet hours (clinic-wide, local time)
-- Both or neither; start = end would be quiet all day (no SMS could ever go): refused.
ALTER TABLE settings
  ADD COLUMN sms_quiet_start time,
  ADD COLUMN sms_quiet_end   time,
  ADD CONSTRAINT settings_sms_quiet_hours CHECK ((sms_quiet_start IS NULL) = (sms_quiet_end IS NULL)
                                                 AND (sms_quiet_start IS NULL OR sms_quiet_start <> sms_quiet_end));
GRANT UPDATE (sms_quiet_start, sms_quiet_end) ON settings TO clinicdesk_admin;

-- ---------------------------------------------------------------- which rule planned an outbox row, and for when
-- `reminder_rule_id` is history, not a reference: a removed rule's pending reminders are withdrawn (trigger below)
-- and its sent ones keep its number (identity numbers are never reused). No foreign key: checking one on each of
-- the 30,000+ rows a planning pass can write cost a fifth of the pass.
ALTER TABLE notifications
  ADD COLUMN reminder_rule_id bigint,
  ADD COLUMN planned_for      timestamptz;
-- reschedule and cancel find an appointment's pending reminders by this (removing a rule, rare, scans)
CREATE INDEX notifications_appointment_pending_idx ON notifications (appointment_id) WHERE status = 'pending';

-- Planned reminders are audited once per planning pass (an `audit_event` with the counts), not once per row: they
-- are written only by the planner, which the booking, the rule or the job that caused it is audited for, and a
-- row each doubled the time of a pass. Every other outbox insert, and every delete, is audited per row as before.
DROP TRIGGER notifications_audit ON notifications;
CREATE TRIGGER notifications_audit AFTER DELETE ON notifications FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER notifications_audit_insert AFTER INSERT ON notifications FOR EACH ROW
  WHEN (NEW.reminder_rule_id IS NULL) EXECUTE FUNCTION audit_row();

-- The next allowed minute for an SMS due at p_at: inside quiet hours [start, end) it moves to their end (the same
-- local day, or the next when the quiet hours cross midnight), computed in the clinic's zone (DST-correct).
CREATE FUNCTION clinicdesk_sms_allowed_at(p_at timestamptz, p_tz text, p_start time, p_end time)
RETURNS timestamptz LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
  SELECT CASE
           WHEN p_start IS NULL OR p_end IS NULL THEN p_at
           WHEN p_start < p_end AND x.lt >= p_start AND x.lt < p_end THEN (x.ld + p_end) AT TIME ZONE p_tz
           WHEN p_start > p_end AND x.lt >= p_start THEN ((x.ld + 1) + p_end) AT TIME ZONE p_tz
           WHEN p_start > p_end AND x.lt < p_end THEN (x.ld + p_end) AT TIME ZONE p_tz
           ELSE p_at
         END
    FROM (SELECT (p_at AT TIME ZONE p_tz)::time AS lt, (p_at AT TIME ZONE p_tz)::date AS ld) x
$$;
REVOKE ALL ON FUNCTION clinicdesk_sms_allowed_at(timestamptz, text, time, time) FROM PUBLIC;

-- ---------------------------------------------------------------- planning (database code only)
-- Plans the reminders of booked, future appointments (one appointment, or all starting before p_until) for every
-- rule (or one): one row per appointment × rule × channel, due at the rule's time (SMS moved out of quiet hours).
-- Not planned: a patient without consent, opted out or merged, or without the rule's channel (no_contact); a due
-- time already past, or an SMS that quiet hours would push to the appointment's start or later (too_late).
-- Appointments are locked FOR SHARE: a planner racing a reschedule waits for it and plans the new time.
CREATE FUNCTION clinicdesk_plan_reminders_for(p_appointment_id bigint, p_rule_id bigint, p_until timestamptz)
RETURNS TABLE (planned bigint, already_planned bigint, too_late bigint, no_contact bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  v_tz text;
  v_clinic text;
  v_qs time;
  v_qe time;
BEGIN
  SELECT s.time_zone, s.clinic_name, s.sms_quiet_start, s.sms_quiet_end INTO v_tz, v_clinic, v_qs, v_qe
    FROM public.settings s;
  v_tz := coalesce(v_tz, 'UTC');
  v_clinic := coalesce(v_clinic, 'the clinic');
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
    -- once per appointment: the patient's first name, the doctor, the local date and time
    SELECT x.appointment_id,
           coalesce(nullif(pg_catalog.split_part(pg_catalog.btrim(p.full_name), ' ', 1), ''), 'there') AS first_name,
           d.full_name AS doctor_name, public.clinicdesk_local_when(x.starts_at) AS local_when
      FROM (SELECT DISTINCT f.appointment_id, f.starts_at, f.patient_id, f.doctor_id FROM fresh f) x
      JOIN public.patients p ON p.id = x.patient_id
      JOIN public.doctors d ON d.id = x.doctor_id
  ), ins AS (
    INSERT INTO public.notifications (dedupe_key, kind, channel, recipient, subject, body, appointment_id,
                                      next_attempt_at, reminder_rule_id, planned_for)
    SELECT f.dedupe_key, 'reminder', f.channel, f.recipient, v_clinic || ': Appointment reminder',
           pg_catalog.format('Hello %s, this is a reminder of your appointment at %s with %s on %s. Reply or call us if you cannot come.',
                             w.first_name, v_clinic, w.doctor_name, w.local_when),
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

-- The planning job (catch-up): every appointment starting within 15 days (the longest lead is 14 days).
CREATE FUNCTION clinicdesk_plan_reminders()
RETURNS TABLE (planned bigint, already_planned bigint, too_late bigint, no_contact bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  PERFORM public.clinicdesk_require_job_runner();
  RETURN QUERY SELECT * FROM public.clinicdesk_plan_reminders_for(NULL, NULL, pg_catalog.now() + interval '15 days');
END $$;
REVOKE ALL ON FUNCTION clinicdesk_plan_reminders() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clinicdesk_plan_reminders() TO clinicdesk_admin;

-- Withdraws the pending reminders of an appointment (or of a rule): 'cancelled', with the reason, and their dedupe
-- key set aside so that the same appointment × rule × time can be planned afresh later (moved back, rule re-added).
CREATE FUNCTION clinicdesk_withdraw_reminders(p_appointment_id bigint, p_rule_id bigint, p_reason text)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  n bigint;
BEGIN
  UPDATE public.notifications n
     SET status = 'cancelled', last_error = p_reason, dedupe_key = n.dedupe_key || ':withdrawn:' || n.id
   WHERE n.status = 'pending' AND n.kind = 'reminder'
     AND ((p_appointment_id IS NOT NULL AND n.appointment_id = p_appointment_id)
       OR (p_rule_id IS NOT NULL AND n.reminder_rule_id = p_rule_id));
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
REVOKE ALL ON FUNCTION clinicdesk_withdraw_reminders(bigint, bigint, text) FROM PUBLIC;

-- ---------------------------------------------------------------- when appointments change
-- Moved: the pending reminders are withdrawn and the new time planned. Cancelled (or no longer booked): withdrawn.
-- Booked by a staff session: planned (bulk loads by the owner are planned by the daily job, like their messages).
CREATE FUNCTION appointments_plan_reminders() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW.starts_at = OLD.starts_at AND NEW.status = OLD.status AND NEW.patient_id = OLD.patient_id THEN
      RETURN NULL;
    END IF;
    PERFORM public.clinicdesk_withdraw_reminders(NEW.id, NULL,
              CASE WHEN NEW.status = 'cancelled' THEN 'withdrawn: the appointment was cancelled'
                   WHEN NEW.status <> 'booked' THEN 'withdrawn: the appointment is ' || NEW.status
                   WHEN NEW.patient_id <> OLD.patient_id THEN 'withdrawn: the appointment moved to another record'
                   ELSE 'withdrawn: the appointment moved' END);
  END IF;
  IF NEW.status = 'booked'
     AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = session_user AND NOT r.rolsuper)
     AND pg_catalog.pg_has_role(session_user, 'clinicdesk_staff', 'MEMBER') THEN
    PERFORM public.clinicdesk_plan_reminders_for(NEW.id, NULL, NULL);
  END IF;
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION appointments_plan_reminders() FROM PUBLIC;
CREATE TRIGGER appointments_plan_reminders AFTER INSERT OR UPDATE OF starts_at, status, patient_id ON appointments
  FOR EACH ROW EXECUTE FUNCTION appointments_plan_reminders();

-- ---------------------------------------------------------------- when a patient's contact or consent changes
-- The rule reminders of the patient's future appointments are withdrawn and planned again: to the new phone or
-- address, none after an opt-out or a withdrawn consent, and again after consent is given back (the reminders an
-- opt-out cancelled are set aside for that, as withdrawn ones are). The daily job's own reminders are left alone.
CREATE FUNCTION patients_replan_reminders() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  a bigint;
BEGIN
  FOR a IN SELECT ap.id FROM public.appointments ap
            WHERE ap.patient_id = NEW.id AND ap.status = 'booked' AND ap.starts_at > pg_catalog.now()
            ORDER BY ap.id LOOP
    UPDATE public.notifications n
       SET status = 'cancelled', last_error = 'withdrawn: the patient''s contact or consent changed'
     WHERE n.appointment_id = a AND n.status = 'pending' AND n.reminder_rule_id IS NOT NULL;
    UPDATE public.notifications n
       SET dedupe_key = n.dedupe_key || ':withdrawn:' || n.id
     WHERE n.appointment_id = a AND n.status = 'cancelled' AND n.reminder_rule_id IS NOT NULL
       AND n.dedupe_key NOT LIKE '%:withdrawn:%';
    PERFORM public.clinicdesk_plan_reminders_for(a, NULL, NULL);
  END LOOP;
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION patients_replan_reminders() FROM PUBLIC;
CREATE TRIGGER patients_replan_reminders AFTER UPDATE OF phone, email, reminder_consent, opted_out ON patients
  FOR EACH ROW WHEN (OLD.phone IS DISTINCT FROM NEW.phone OR OLD.email IS DISTINCT FROM NEW.email
                     OR OLD.reminder_consent IS DISTINCT FROM NEW.reminder_consent
                     OR OLD.opted_out IS DISTINCT FROM NEW.opted_out)
  EXECUTE FUNCTION patients_replan_reminders();

-- ---------------------------------------------------------------- when rules or quiet hours change
CREATE FUNCTION reminder_rules_plan() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM public.clinicdesk_plan_reminders_for(NULL, NEW.id, NULL);
    RETURN NULL;
  END IF;
  PERFORM public.clinicdesk_withdraw_reminders(NULL, OLD.id, 'withdrawn: the reminder rule was removed');
  RETURN OLD;
END $$;
REVOKE ALL ON FUNCTION reminder_rules_plan() FROM PUBLIC;
CREATE TRIGGER reminder_rules_plan_new AFTER INSERT ON reminder_rules FOR EACH ROW EXECUTE FUNCTION reminder_rules_plan();
CREATE TRIGGER reminder_rules_withdraw BEFORE DELETE ON reminder_rules FOR EACH ROW EXECUTE FUNCTION reminder_rules_plan();

-- New quiet hours apply to the SMS reminders already planned and not yet tried.
CREATE FUNCTION settings_quiet_hours_replan() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  UPDATE public.notifications n
     SET next_attempt_at = public.clinicdesk_sms_allowed_at(n.planned_for, NEW.time_zone, NEW.sms_quiet_start,
                                                           NEW.sms_quiet_end)
   WHERE n.status = 'pending' AND n.attempts = 0 AND n.channel = 'sms' AND n.planned_for IS NOT NULL;
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION settings_quiet_hours_replan() FROM PUBLIC;
CREATE TRIGGER settings_quiet_hours_replan AFTER UPDATE OF sms_quiet_start, sms_quiet_end ON settings
  FOR EACH ROW WHEN (OLD.sms_quiet_start IS DISTINCT FROM NEW.sms_quiet_start
                     OR OLD.sms_quiet_end IS DISTINCT FROM NEW.sms_quiet_end)
  EXECUTE FUNCTION settings_quiet_hours_replan();

-- ---------------------------------------------------------------- the same-day job can be turned off
-- The daily reminders job still runs (it plans the rules' catch-up and the staff digest); this only says whether
-- it also sends every appointment of the day its "on the day" reminder, as it always did (the default).
ALTER TABLE job_settings ADD COLUMN same_day_enabled boolean NOT NULL DEFAULT true;
