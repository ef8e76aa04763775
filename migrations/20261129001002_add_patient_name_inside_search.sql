-- A piece typed from anywhere inside a name ("son Ka", "ber") under 15 ms on a million patients (issue 16;
-- BENCHMARKS.md compares the candidates). The name's search key is the lower-cased name with every run of
-- non-alphanumerics turned into one '0': the whole name becomes one trigram "word", so a piece that spans a space
-- ("son ka" → "son0ka") has trigrams of its own ("n0k") instead of the very common word-start/-end trigrams
-- pg_trgm would pad each word with, and the key itself holds no LIKE wildcards. Inlined (plain SQL, no SET).
CREATE FUNCTION clinicdesk_name_key(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN pg_catalog.regexp_replace(pg_catalog.lower(name), '[^[:alnum:]]+', '0', 'g');

CREATE INDEX patients_name_key_trgm_idx ON patients USING gin (clinicdesk_name_key(full_name) gin_trgm_ops);

-- The names containing `p_piece` (matched on the key), at most `p_limit`, not those in `p_skip` (already shown as
-- prefix hits). A bounded candidate set (200) is read from the GIN index, then ranked: pieces that start a word
-- first, then by name. Never a sequential scan: with a LIMIT the planner bets on one and loses on rare pieces.
-- A common piece ("ann": ~40,000 names) would still make the index build a bitmap of every match to keep 200, so
-- the candidates are first read with gin_fuzzy_search_limit (the index hands over a random sample of about 2,000
-- matches, each still checked); only when that leaves fewer than `p_limit` names — a rare piece, or several
-- common trigrams whose samples missed each other — is the exact scan run, so nothing that exists is missed.
-- SECURITY INVOKER: the caller's own rights on patients. Pieces shorter than three characters have no trigram
-- (the caller does not ask for them).
CREATE TYPE clinicdesk_name_hit AS (id bigint, mrn text, full_name text, date_of_birth date, phone text,
                                    blacklisted boolean, word_start boolean);

CREATE FUNCTION clinicdesk_patients_with_name_piece(p_piece text, p_skip bigint[], p_limit integer)
RETURNS TABLE (id bigint, mrn text, full_name text, date_of_birth date, phone text, blacklisted boolean)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
SET enable_seqscan = off
SET gin_fuzzy_search_limit = 2000
SET jit = off
AS $$
#variable_conflict use_column
DECLARE
  v_key text := public.clinicdesk_name_key(p_piece);
  v_hits public.clinicdesk_name_hit[];
BEGIN
  FOR attempt IN 1 .. 2 LOOP
    SELECT array_agg(ROW(c.id, c.mrn, c.full_name, c.date_of_birth, c.phone, c.blacklisted,
                         c.k LIKE v_key || '%' OR c.k LIKE '%0' || v_key || '%')::public.clinicdesk_name_hit)
      INTO v_hits
      FROM (SELECT p.id, p.mrn, p.full_name, p.date_of_birth, p.phone, p.blacklisted_at IS NOT NULL AS blacklisted,
                   public.clinicdesk_name_key(p.full_name) AS k
              FROM public.patients p
             WHERE public.clinicdesk_name_key(p.full_name) LIKE '%' || v_key || '%' AND p.id <> ALL (p_skip)
             LIMIT 200) c;
    EXIT WHEN coalesce(cardinality(v_hits), 0) >= p_limit;
    -- too few from the sample: read every match
    PERFORM pg_catalog.set_config('gin_fuzzy_search_limit', '0', true);
  END LOOP;
  RETURN QUERY
    SELECT h.id, h.mrn, h.full_name, h.date_of_birth, h.phone, h.blacklisted
      FROM unnest(v_hits) h
     ORDER BY h.word_start DESC, h.full_name, h.id
     LIMIT p_limit;
END
$$;
REVOKE ALL ON FUNCTION clinicdesk_patients_with_name_piece(text, bigint[], integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clinicdesk_patients_with_name_piece(text, bigint[], integer) TO clinicdesk_staff;

-- Typos (what is left when no name contains the query): names similar to the whole query (`%`, a misspelt full
-- name) or with a part similar to it (`<%`, a misspelt word), each a bounded candidate set (200) from a GIN
-- trigram index, ranked by whole-name distance (the similar whole names first: a misspelt word matches the
-- words of many names), then by word distance. It replaces the GiST index's distance-ordered scan,
-- which took 170–390 ms on a million names and, by word similarity alone, missed about half of the misspelt
-- full names (BENCHMARKS.md); the GiST index goes (80 MB that every patient write kept current).
CREATE INDEX patients_name_lower_trgm_idx ON patients USING gin (lower(full_name) gin_trgm_ops);
DROP INDEX patients_full_name_gist_idx;

CREATE FUNCTION clinicdesk_patients_like_name(p_query text, p_limit integer)
RETURNS TABLE (id bigint, mrn text, full_name text, date_of_birth date, phone text, blacklisted boolean)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
SET enable_seqscan = off
SET jit = off
AS $$
  SELECT p.id, p.mrn, p.full_name, p.date_of_birth, p.phone, p.blacklisted_at IS NOT NULL
    FROM public.patients p
   WHERE p.id IN ((SELECT q.id FROM public.patients q WHERE lower(q.full_name) % lower(p_query) LIMIT 200)
                  UNION
                  (SELECT q.id FROM public.patients q WHERE lower(p_query) <% lower(q.full_name) LIMIT 200))
   ORDER BY lower(p.full_name) <-> lower(p_query), lower(p_query) <<-> lower(p.full_name), p.full_name, p.id
   LIMIT p_limit
$$;
REVOKE ALL ON FUNCTION clinicdesk_patients_like_name(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clinicdesk_patients_like_name(text, integer) TO clinicdesk_staff;
