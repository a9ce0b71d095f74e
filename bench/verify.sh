#!/usr/bin/env bash
# Times `dbward verify` (and `verify --probe`) on a generated schema: COUNT tables, each with
# an owner column, an index, RLS, three policies, a foreign key, and a few rows.
# Usage: bench/verify.sh [COUNT]    (default: 300 tables)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-300}

. bench/cluster.sh
bench_cluster verify
mkdir -p "$work/project/migrations"
bench_psql postgres -c "CREATE DATABASE bench_verify"
export DATABASE_URL=$base/bench_verify

echo 'compat = "supabase"' > "$work/project/dbward.toml"
{
  echo "create table parent (id uuid primary key default gen_random_uuid());"
  for i in $(seq 1 "$count"); do
    cat <<SQL
create table t$i (id bigint generated always as identity primary key, user_id uuid not null, parent_id uuid references parent, body text);
create index t${i}_user on t$i (user_id);
alter table t$i enable row level security;
create policy t${i}_read on t$i for select to authenticated using (user_id = (select auth.uid()));
create policy t${i}_write on t$i for insert to authenticated with check (user_id = (select auth.uid()));
create policy t${i}_delete on t$i for delete to authenticated using (user_id = (select auth.uid()));
insert into t$i (user_id) values ('a0000000-0000-4000-8000-000000000001'), ('a0000000-0000-4000-8000-000000000002');
SQL
  done
} > "$work/project/migrations/001_schema.sql"
"$dbward" -C "$work/project" -q up >/dev/null

time_it() {
  local best=999999 start elapsed
  for _ in 1 2 3 4 5; do
    start=$(date +%s%3N)
    "$dbward" -C "$work/project" "$@" >/dev/null || [ $? -eq 3 ]
    elapsed=$(( $(date +%s%3N) - start ))
    [ "$elapsed" -lt "$best" ] && best=$elapsed
  done
  echo "$best"
}
plain=$(time_it verify --format json)
probed=$(time_it verify --probe --format json)
echo "| run ($count tables, 3 policies each, best of 5, whole process) | time |"
echo "|---|---|"
echo "| \`dbward verify\` | ${plain} ms |"
echo "| \`dbward verify --probe\` (anon and 2 users per table: read, update, delete, insert for another, hand rows away, anon insert) | ${probed} ms |"
