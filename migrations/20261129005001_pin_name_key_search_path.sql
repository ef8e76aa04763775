-- Every ClinicDesk function pins its search path with pg_temp last, not only the SECURITY DEFINER and trigger
-- ones: `clinicdesk_name_key` (the patient-search key, behind an index) was left without one so it could be inlined.
-- Its body already names pg_catalog's functions, so a staff temp object could not shadow them; pinning makes the
-- rule hold by construction, and the catalog test now checks every function. The key's value does not change, so
-- the index built on it stays valid.
ALTER FUNCTION public.clinicdesk_name_key(text) SET search_path = pg_catalog, public, pg_temp;
