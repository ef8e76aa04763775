-- The clinical record keeps every version: an amendment stores the previous content (who, when, what changed)
-- and only the doctor who recorded the treatment or an administrator may amend it. Treatments cannot be written
-- for cancelled or no-show appointments, whoever asks.

CREATE TABLE treatment_amendments (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  treatment_id bigint NOT NULL REFERENCES treatments (id),
  version      integer NOT NULL,
  amended_by   text NOT NULL DEFAULT session_user,
  amended_at   timestamptz NOT NULL DEFAULT now(),
  changed      text[] NOT NULL,
  previous     jsonb NOT NULL,
  CONSTRAINT treatment_amendments_version_key UNIQUE (treatment_id, version)
);
GRANT SELECT ON treatment_amendments TO clinicdesk_admin, clinicdesk_doctor;
CREATE TRIGGER treatment_amendments_no_update BEFORE UPDATE OR DELETE ON treatment_amendments
  FOR EACH ROW EXECUTE FUNCTION audit_log_immutable();

CREATE FUNCTION treatments_keep_previous() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  changed text[];
BEGIN
  SELECT array_agg(n.key ORDER BY n.key) INTO changed
    FROM jsonb_each(to_jsonb(NEW)) n JOIN jsonb_each(to_jsonb(OLD)) o USING (key)
   WHERE n.value IS DISTINCT FROM o.value
     AND n.key IN ('visit_type', 'symptoms', 'diagnosis', 'icd10_code', 'treatment_given', 'prescription', 'notes', 'next_visit_on');
  IF changed IS NULL THEN
    RETURN NEW;
  END IF;
  IF NOT (OLD.recorded_by = session_user OR pg_has_role(session_user, 'clinicdesk_admin', 'MEMBER')) THEN
    RAISE EXCEPTION 'only the doctor who recorded this treatment or an administrator can amend it'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  INSERT INTO treatment_amendments (treatment_id, version, amended_by, changed, previous)
  VALUES (OLD.id, OLD.version, session_user, changed,
          jsonb_build_object('visit_type', OLD.visit_type, 'symptoms', OLD.symptoms, 'diagnosis', OLD.diagnosis,
                             'icd10_code', OLD.icd10_code, 'treatment_given', OLD.treatment_given,
                             'prescription', OLD.prescription, 'notes', OLD.notes, 'next_visit_on', OLD.next_visit_on));
  NEW.version := OLD.version + 1;
  RETURN NEW;
END $$;
CREATE TRIGGER treatments_amend BEFORE UPDATE ON treatments FOR EACH ROW EXECUTE FUNCTION treatments_keep_previous();

-- Administrators may amend (audited through the amendment rows and the audit log).
GRANT UPDATE (visit_type, symptoms, diagnosis, icd10_code, treatment_given, prescription, notes, next_visit_on)
  ON treatments TO clinicdesk_admin;
CREATE POLICY treatments_admin_update ON treatments FOR UPDATE TO clinicdesk_admin USING (true) WITH CHECK (true);

DROP POLICY treatments_doctor_insert ON treatments;
CREATE POLICY treatments_doctor_insert ON treatments FOR INSERT TO clinicdesk_doctor
  WITH CHECK (EXISTS (SELECT 1 FROM appointments a
                       WHERE a.id = appointment_id AND a.doctor_id = clinicdesk_current_doctor_id()
                         AND a.status IN ('booked', 'checked_in', 'completed')));

-- Follow-ups: the recall list reads suggested next visits by date.
CREATE INDEX treatments_next_visit_idx ON treatments (next_visit_on) WHERE next_visit_on IS NOT NULL;
CREATE INDEX treatments_recorded_by_idx ON treatments (recorded_by);
