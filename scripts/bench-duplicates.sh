#!/usr/bin/env bash
# The duplicate-patient check on 1,000,000 patients (issue 15): loads them into a throwaway database `dupbench`
# in the developers' cluster (scripts/dev-db.sh), then runs the check's exact query 2,000 times with pgbench
# (random date of birth, phone and email each time) and prints p50/p99/max. Numbers only; nothing asserts them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/dev-db.sh >/dev/null
DIR=${CLINICDESK_DEV_DB_DIR:-/var/tmp/clinicdesk-dev}
BIN=${CLINICDESK_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}
PSQL=(psql -h "$DIR/run" -U clinicdesk_owner -v ON_ERROR_STOP=1 -q)
"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS dupbench" -c "CREATE DATABASE dupbench TEMPLATE clinicdesk_dev"
"${PSQL[@]}" -d dupbench -c "SET session_replication_role = replica" -c "
INSERT INTO patients (full_name, date_of_birth, sex, phone, email)
SELECT f[1 + (i * 7919) % 20] || ' ' || l[1 + (i * 104729) % 20]
         || CASE WHEN i % 3 = 0 THEN '' ELSE ' ' || substr(md5(i::text), 1, 5) END,
       date '1930-01-01' + (i * 37 % 32000)::int, 'female', '+4477' || lpad(i::text, 8, '0'), 'p' || i || '@example.com'
  FROM generate_series(1::bigint, 1000000) i,
       (SELECT ARRAY['Jaya','Anna','Omar','Priya','John','Maria','Ivan','Chen','Fatima','Lucas','Sofia','Ahmed','Olga',
                     'Kenji','Amara','Noah','Liam','Emma','Mia','Leo'] f,
               ARRAY['Novak','Smith','Haddad','Raman','Garcia','Petrov','Wang','Khan','Silva','Rossi','Berg','Lund',
                     'Costa','Tanaka','Okafor','Brown','Jones','Muller','Dubois','Nowak'] l) n" -c "ANALYZE patients"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS dupbench"' EXIT
# the query of db::patients::find_duplicates, with pgbench variables for its parameters
cat > "$WORK/dup.sql" <<'SQL'
\set d random(0, 31999)
\set n random(1, 1000000)
WITH hits AS (
  SELECT p.id FROM patients p
   WHERE p.date_of_birth = date '1930-01-01' + :d AND p.merged_into_id IS NULL
     AND similarity(lower(p.full_name), lower('Jaya Novack')) >= 0.4
  UNION
  SELECT p.id FROM patients p WHERE p.phone = '+4477' || lpad(:n::text, 8, '0')
  UNION
  SELECT p.id FROM patients p WHERE lower(p.email) = lower('P' || :n || '@Example.com')
)
SELECT p.id, p.mrn, p.full_name, p.date_of_birth, p.phone, p.email,
       (p.date_of_birth = date '1930-01-01' + :d AND similarity(lower(p.full_name), lower('Jaya Novack')) >= 0.4),
       coalesce(p.phone = '+4477' || lpad(:n::text, 8, '0'), false),
       coalesce(lower(p.email) = lower('P' || :n || '@Example.com'), false)
  FROM hits JOIN patients p USING (id)
 WHERE p.merged_into_id IS NULL AND p.id IS DISTINCT FROM NULL
 ORDER BY 7 DESC, p.full_name, p.id LIMIT 10;
SQL
(cd "$WORK" && "$BIN/pgbench" -h "$DIR/run" -U clinicdesk_owner -n -f dup.sql -t 2000 -c 1 -l dupbench >/dev/null)
cat "$WORK"/dupbench* | awk '{print $3}' | sort -n |
  awk '{a[NR]=$1} END {printf "duplicate check, 1,000,000 patients, %d runs: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", NR, a[int(NR*0.5)]/1000, a[int(NR*0.99)]/1000, a[NR]/1000}'
