-- Doctors record exports of one patient's history; an export of all visits is for administrators, whatever the
-- client asks.
DROP POLICY exports_own ON exports;
CREATE POLICY exports_own ON exports FOR ALL TO clinicdesk_doctor
  USING (requested_by = session_user)
  WITH CHECK (requested_by = session_user AND kind = 'patient_history' AND patient_id IS NOT NULL);
