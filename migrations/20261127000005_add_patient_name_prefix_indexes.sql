-- What the front desk types most is the start of a first name or of a surname. Two prefix indexes answer that
-- in index order, stopping after the first 20 names; trigram similarity stays as the fallback for typos.
CREATE INDEX patients_name_prefix_idx ON patients (lower(full_name) text_pattern_ops);
CREATE INDEX patients_surname_prefix_idx ON patients (lower(regexp_replace(full_name, '^.*\s', '')) text_pattern_ops);
