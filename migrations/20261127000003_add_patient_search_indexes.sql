-- Search-as-you-type over a million patients: a GiST trigram index lets PostgreSQL return the 20 names closest
-- to a fragment (word similarity, `<<->`) straight from the index, however many names contain it.
CREATE INDEX patients_full_name_gist_idx ON patients USING gist (full_name gist_trgm_ops);

-- MRNs are MRN + 7 digits; past 9,999,999 they grow a digit instead of being cut (lpad truncates).
CREATE FUNCTION clinicdesk_next_mrn() RETURNS text
LANGUAGE sql VOLATILE SET search_path = pg_catalog, public AS $$
  SELECT 'MRN' || CASE WHEN n < 10000000 THEN lpad(n::text, 7, '0') ELSE n::text END
    FROM (SELECT nextval('public.patients_mrn_seq') AS n) s
$$;
ALTER TABLE patients ALTER COLUMN mrn SET DEFAULT clinicdesk_next_mrn();
