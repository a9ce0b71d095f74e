#!/usr/bin/env bash
# Benchmarks dbward's migration runs against psql (and sqlx-cli where installed) on the same
# 1,000 generated migrations, one fresh throw-away cluster, fresh databases for each run.
# Usage: bench/migrate.sh [COUNT] [ROUNDS]    (defaults: 1000 migrations, 7 rounds)
# BASELINE_DBWARD=PATH also runs an earlier build of dbward (say, the last commit's release
# binary) as one more contender in the same rounds and blocks: before and after, side by side.
# Prints a Markdown table; bench/README.md holds the last one recorded.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000}
rounds=${2:-7}
command -v hyperfine >/dev/null || { echo "bench/migrate.sh needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }

. bench/cluster.sh
# The cluster lives in memory by default: the disk's fsync times on a shared machine vary
# more than the gap being measured, and without them each tool's own overhead is a larger
# share of the time, so the comparison is stricter. BENCH_TMPDIR=/tmp puts it on disk.
bench_cluster migrate "${BENCH_TMPDIR:-/dev/shm}"
psql_admin() { bench_psql postgres "$@"; }

# The migrations: a table, an index, RLS and a policy each.
# The project's files stay on disk, where a user's checkout is.
files=$(mktemp -d /tmp/dbward-bench-files.XXXXXX)
bench_cleanup+=("$files")
project=$files/project
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

export DATABASE_URL=$base/bench

# sqlx-cli, where installed, runs the same files (its names have no zero padding rules).
have_sqlx=
if command -v sqlx >/dev/null 2>&1; then
  have_sqlx=1
  sqlx_project=$files/sqlx
  mkdir -p "$sqlx_project/migrations"
  for f in "$project"/migrations/*.sql; do
    b=$(basename "$f" .sql); cp "$f" "$sqlx_project/migrations/${b%%_*}_${b#*_}.sql"
  done
fi

# Each round runs every contender once, each on a fresh database, in an order that rotates
# from round to round so that none always follows another. The server's time for the same
# SQL drifts between rounds, so each round's ratio compares runs made minutes apart at most,
# and the table gives the median of those ratios beside the median times.
contenders=(psql_one dbward_one psql_each dbward_each)
[ -n "$have_sqlx" ] && contenders+=(sqlx_run)
baseline=${BASELINE_DBWARD:-}
[ -n "$baseline" ] && contenders+=(baseline_one baseline_each)
run_contender() {
  case $1 in
    psql_one) timed psql -X -q -v ON_ERROR_STOP=1 -1 -f "$work/all.sql" "$DATABASE_URL" ;;
    dbward_one) timed "$dbward" -C "$project" -q up --single-transaction ;;
    psql_each) timed psql -X -q -v ON_ERROR_STOP=1 -f "$work/each.sql" "$DATABASE_URL" ;;
    dbward_each) timed "$dbward" -C "$project" -q up ;;
    sqlx_run) (cd "$sqlx_project" && timed sqlx migrate run --source migrations) ;;
    baseline_one) timed "$baseline" -C "$project" -q up --single-transaction ;;
    baseline_each) timed "$baseline" -C "$project" -q up ;;
  esac
}
declare -A times
for round in $(seq 1 "$rounds"); do
  n=${#contenders[@]}
  for k in $(seq 0 $(( n - 1 ))); do
    c=${contenders[$(( (k + round) % n ))]}
    times[$c]+="$(run_contender "$c") "
  done
done
# One value per round, in round order.
nth() { echo "${times[$1]}" | tr ' ' '\n' | sed -n "$2p"; }
ratios() { # numerator denominator -> one ratio per round
  for round in $(seq 1 "$rounds"); do
    awk -v a="$(nth "$1" "$round")" -v b="$(nth "$2" "$round")" 'BEGIN { printf "%.3f\n", a / b }'
  done
}
median_of() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
range_of() { sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f-%.2f", lo, hi }'; }
median_ms() { echo "${times[$1]}" | tr ' ' '\n' | grep . | median_of | awk '{ printf "%.0f", $1 }'; }
row() { # label baseline contender
  local r
  r=$(ratios "$3" "$2")
  echo "| $1 | $(median_ms "$2") ms | $(median_ms "$3") ms | $(echo "$r" | median_of | awk '{ printf "%.2fx", $1 }') | $(echo "$r" | range_of) |"
}

# status on the migrated database: the whole process, side by side with sqlx's info.
fresh_db
"$dbward" -C "$project" -q up >/dev/null
status_commands=("$dbward -C $project status" "$dbward -C $project status --format json")
if [ -n "$have_sqlx" ]; then
  # sqlx's copy of the schema goes in a database of its own.
  psql_admin -c "DROP DATABASE IF EXISTS bench_sqlx" -c "CREATE DATABASE bench_sqlx" 2>/dev/null
  (cd "$sqlx_project" && sqlx migrate run --source migrations --database-url "$base/bench_sqlx" >/dev/null)
  status_commands+=("sqlx migrate info --source $sqlx_project/migrations --database-url $base/bench_sqlx")
fi
[ -n "$baseline" ] && status_commands+=("$baseline -C $project status")
# Autovacuum and the checkpointer catch up on the new catalog rows before the timing.
for db in bench bench_sqlx; do
  psql -X -q "$base/$db" -c "VACUUM ANALYZE" 2>/dev/null || true
done
psql_admin -c "CHECKPOINT"
sleep 2
# Six blocks of ten runs, each block running every command in turn: a drift in the
# machine's load during the minute this takes falls on every command alike.
for block in 1 2 3 4 5 6; do
  hyperfine -N -w 2 -r 10 --export-json "$work/status-$block.json" "${status_commands[@]}" >/dev/null 2>&1
done
status_ms() { python3 - "$1" "$work"/status-*.json <<'PY'
import json, statistics, sys
index = int(sys.argv[1])
times = [t for path in sys.argv[2:] for t in json.load(open(path))['results'][index]['times']]
print('%.1f ms (%.1f-%.1f)' % (statistics.median(times) * 1e3, min(times) * 1e3, max(times) * 1e3))
PY
}

echo "| run ($count migrations, $rounds rounds) | baseline (median) | dbward (median) | dbward / baseline (median of rounds) | range of rounds |"
echo "|---|---|---|---|---|"
row "all in one transaction: \`psql -1 -f\` vs \`dbward up --single-transaction\`" psql_one dbward_one
row "each file its own transaction: one psql session vs \`dbward up\`" psql_each dbward_each
[ -n "$have_sqlx" ] && row "sqlx-cli \`migrate run\` vs \`dbward up\`" sqlx_run dbward_each
if [ -n "$baseline" ]; then
  row "baseline dbward vs this one: \`up --single-transaction\`" baseline_one dbward_one
  row "baseline dbward vs this one: \`up\`" baseline_each dbward_each
fi
echo
echo "| whole process on the migrated database (hyperfine, 6 blocks of 10 runs) | median (min-max) |"
echo "|---|---|"
echo "| \`dbward status\` | $(status_ms 0) |"
echo "| \`dbward status --format json\` | $(status_ms 1) |"
next=2
if [ -n "$have_sqlx" ]; then
  echo "| sqlx-cli \`migrate info\` | $(status_ms $next) |"
  next=3
fi
[ -n "$baseline" ] && echo "| baseline \`dbward status\` ($baseline) | $(status_ms $next) |"
if [ -z "$have_sqlx" ]; then
  echo
  echo "sqlx-cli not installed: \`cargo install sqlx-cli --no-default-features --features postgres,rustls\` to compare with it."
fi
