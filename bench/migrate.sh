#!/usr/bin/env bash
# Benchmarks dbward's migration runs against psql (and sqlx-cli where installed) on the same
# 1,000 generated migrations, one fresh throw-away cluster, fresh databases for each run.
# Usage: bench/migrate.sh [COUNT] [ROUNDS]    (defaults: 1000 migrations, 5 rounds)
# Prints a Markdown table; bench/README.md holds the last one recorded.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000}
rounds=${2:-5}

cargo build --release --quiet
dbward=$PWD/target/release/dbward
work=$(mktemp -d /tmp/dbward-bench.XXXXXX)
chmod 755 "$work"
trap 'kill -QUIT $(head -1 "$work/cluster/data/postmaster.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT

# One cluster, made and started the way dbward makes its own.
mkdir -p "$work/cluster-project"
"$dbward" -C "$work/cluster-project" local start >/dev/null
ln -s "$work/cluster-project/.dbward" "$work/cluster"
url=$("$dbward" -C "$work/cluster-project" local url)
base=${url%/postgres}
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 "$url" "$@"; }

# The migrations: a table, an index, RLS and a policy each.
project=$work/project
mkdir -p "$project/migrations" "$project/rollbacks"
for i in $(seq 1 "$count"); do
  n=$(printf '%04d' "$i")
  cat > "$project/migrations/${n}_t$i.sql" <<SQL
create table t$i (id bigint generated always as identity primary key, owner_id uuid not null, body text, created_at timestamptz not null default now());
create index t${i}_owner on t$i (owner_id);
alter table t$i enable row level security;
create policy t${i}_owner_only on t$i for all using (owner_id = current_setting('app.user_id', true)::uuid) with check (owner_id = current_setting('app.user_id', true)::uuid);
SQL
  echo "drop table t$i;" > "$project/rollbacks/${n}_t$i.sql"
done
cat "$project"/migrations/*.sql > "$work/all.sql"
{
  for f in "$project"/migrations/*.sql; do echo 'BEGIN;'; echo "\\i $f"; echo 'COMMIT;'; done
} > "$work/each.sql"

# A fresh database, and a checkpoint so that no run pays for the previous one's writes.
fresh_db() {
  psql_admin -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench" -c "CHECKPOINT" 2>/dev/null
  sync
}
now_ms() { date +%s%3N; }
# One timed run of "$@" on a fresh database, in ms.
timed() {
  local start
  fresh_db
  start=$(now_ms)
  "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  echo $(( $(now_ms) - start ))
}
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }

export DATABASE_URL=$base/bench
# Rounds interleave the contenders, so drift in the machine hits both alike.
declare -a psql_one dbward_one psql_each dbward_each
# Odd rounds run psql first, even rounds dbward first, so neither always follows the other.
for round in $(seq 1 "$rounds"); do
  if (( round % 2 )); then
    psql_one+=("$(timed psql -X -q -v ON_ERROR_STOP=1 -1 -f "$work/all.sql" "$DATABASE_URL")")
    dbward_one+=("$(timed "$dbward" -C "$project" -q up --single-transaction)")
    psql_each+=("$(timed psql -X -q -v ON_ERROR_STOP=1 -f "$work/each.sql" "$DATABASE_URL")")
    dbward_each+=("$(timed "$dbward" -C "$project" -q up)")
  else
    dbward_one+=("$(timed "$dbward" -C "$project" -q up --single-transaction)")
    psql_one+=("$(timed psql -X -q -v ON_ERROR_STOP=1 -1 -f "$work/all.sql" "$DATABASE_URL")")
    dbward_each+=("$(timed "$dbward" -C "$project" -q up)")
    psql_each+=("$(timed psql -X -q -v ON_ERROR_STOP=1 -f "$work/each.sql" "$DATABASE_URL")")
  fi
done
psql_one=$(median "${psql_one[@]}")
dbward_one=$(median "${dbward_one[@]}")
psql_each=$(median "${psql_each[@]}")
dbward_each=$(median "${dbward_each[@]}")

# status on the migrated database: the whole process.
fresh_db
"$dbward" -C "$project" -q up >/dev/null
if command -v hyperfine >/dev/null 2>&1; then
  hyperfine -N -w 5 -r 50 --export-json "$work/status.json" "$dbward -C $project status" "$dbward -C $project status --format json" >/dev/null 2>&1
  status_us=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print(int(r['median']*1e6))" "$work/status.json")
  status_json_us=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][1]; print(int(r['median']*1e6))" "$work/status.json")
else
  status_times=()
  for _ in $(seq 1 21); do
    start=$(date +%s%N)
    "$dbward" -C "$project" status >/dev/null
    status_times+=($(( ($(date +%s%N) - start) / 1000 )))
  done
  status_us=$(median "${status_times[@]}")
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
echo "| run ($count migrations, median of $rounds) | baseline | dbward | dbward / baseline |"
echo "|---|---|---|---|"
echo "| all in one transaction: \`psql -1 -f\` vs \`dbward up --single-transaction\` | ${psql_one} ms | ${dbward_one} ms | $(ratio "$dbward_one" "$psql_one") |"
echo "| each file its own transaction: one psql session vs \`dbward up\` | ${psql_each} ms | ${dbward_each} ms | $(ratio "$dbward_each" "$psql_each") |"
echo "| \`dbward status\` on the migrated database (whole process, median) | | $(awk -v u="$status_us" 'BEGIN { printf "%.1f ms", u / 1000 }') | |"
[ -n "${status_json_us:-}" ] && echo "| \`dbward status --format json\` on the migrated database (whole process, median) | | $(awk -v u="$status_json_us" 'BEGIN { printf "%.1f ms", u / 1000 }') | |"

if command -v sqlx >/dev/null 2>&1; then
  sqlx_project=$work/sqlx
  mkdir -p "$sqlx_project/migrations"
  for f in "$project"/migrations/*.sql; do
    b=$(basename "$f" .sql); cp "$f" "$sqlx_project/migrations/${b%%_*}_${b#*_}.sql"
  done
  sqlx_run=$(cd "$sqlx_project" && timed sqlx migrate run --source migrations)
  fresh_db
  (cd "$sqlx_project" && sqlx migrate run --source migrations >/dev/null)
  start=$(now_ms); (cd "$sqlx_project" && sqlx migrate info --source migrations >/dev/null); sqlx_info=$(( $(now_ms) - start ))
  echo "| sqlx-cli \`migrate run\` vs \`dbward up\` | ${sqlx_run} ms | ${dbward_each} ms | $(ratio "$dbward_each" "$sqlx_run") |"
  echo "| sqlx-cli \`migrate info\` vs \`dbward status\` | ${sqlx_info} ms | $(awk -v u="$status_us" 'BEGIN { printf "%.1f ms", u / 1000 }') | |"
else
  echo
  echo "sqlx-cli not installed: \`cargo install sqlx-cli --no-default-features --features postgres,rustls\` to compare with it."
fi
