#!/usr/bin/env bash
# The scene of a migration stuck behind a long transaction: a steady reader on a table, a
# transaction that holds a lock on it for HOLD seconds (it read the table, then works on),
# and `dbward up` with a migration that alters the table, started while that transaction
# runs. Each round runs it twice on one fresh cluster, in an order that alternates: with
# `--lock-timeout LOCK_TIMEOUT` (and the default lock_retries) and with `--lock-timeout off`.
# For each it reports the longest wait of any reader query, how many waited longer than
# 100 ms, and dbward's total time, exit code and tries again.
# Usage: bench/lock_timeout.sh [ROUNDS] [HOLD] [LOCK_TIMEOUT]   (defaults: 3 4 500ms)
# BASELINE_DBWARD=PATH also runs an earlier build with LOCK_TIMEOUT, in the same rounds.
# Needs pgbench (the reader: 2 clients, 100 queries a second each, each query's latency logged).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
hold=${2:-4}
lock_timeout=${3:-500ms}
command -v pgbench >/dev/null || { echo "bench/lock_timeout.sh needs pgbench (postgresql-contrib or the server package)" >&2; exit 1; }

. bench/cluster.sh
bench_cluster lock_timeout "${BENCH_TMPDIR:-/dev/shm}"
echo 'SELECT v FROM hot WHERE id = 1 + (random() * 99999)::int;' > "$work/reader.sql"
now_ms() { date +%s%3N; }

# One scene, on a fresh database: prints the reader's longest wait in ms, how many of its
# queries waited longer than 100 ms, how many it ran, dbward's time in ms, its exit code
# how many times dbward tried the migration again, and how many of those messages named
# the long transaction.
scene() {
  local limit=$1 program=$2 db=$base/bench_lock project=$work/project log=$work/latency
  PGOPTIONS='-c client_min_messages=warning' bench_psql postgres \
    -c "DROP DATABASE IF EXISTS bench_lock" -c "CREATE DATABASE bench_lock"
  psql -X -q -v ON_ERROR_STOP=1 "$db" <<SQL
CREATE TABLE hot (id int PRIMARY KEY, v text NOT NULL);
INSERT INTO hot SELECT g, md5(g::text) FROM generate_series(1, 100000) g;
VACUUM ANALYZE hot;
CHECKPOINT;
SQL
  rm -rf "$project" "$log".*
  mkdir -p "$project/migrations"
  : > "$project/dbward.toml"
  # dbward's own tables first, so that the timed run is the migration alone.
  DATABASE_URL=$db "$program" -C "$project" up >/dev/null
  echo 'alter table hot add column note text;' > "$project/migrations/0001_note.sql"

  local reader_for=$((hold + 4))
  pgbench -n -f "$work/reader.sql" -c 2 -j 2 -R 200 -T "$reader_for" \
    --log --log-prefix="$log" "$db" >/dev/null 2>"$work/reader.err" &
  local reader=$!
  sleep 1
  # The long transaction: it read the table, so it holds ACCESS SHARE until it ends.
  PGAPPNAME=long_report psql -X -q "$db" \
    -c "BEGIN; SELECT count(*) FROM hot; SELECT pg_sleep($hold); COMMIT;" >/dev/null &
  local blocker=$!
  sleep 0.5
  local start code=0 stderr=$work/dbward.err
  start=$(now_ms)
  DATABASE_URL=$db "$program" -C "$project" up --lock-timeout "$limit" >/dev/null 2>"$stderr" || code=$?
  local took=$(( $(now_ms) - start ))
  wait "$blocker"
  wait "$reader" || { echo "the reader failed: $(cat "$work/reader.err")" >&2; exit 1; }
  local retries named
  retries=$(grep -c 'trying again' "$stderr" || true)
  # Tries again whose message names the long transaction (its application_name).
  named=$(grep 'trying again' "$stderr" | grep -c 'held by pid [0-9]* (long_report, ' || true)
  # pgbench's log: client, transaction, latency in µs, script, epoch s, µs, schedule lag
  # in µs. Under --rate the latency counts from the scheduled start: the query's own wait
  # is the latency less that lag.
  cat "$log".* | awk '
    { wait = $3 - $7; if (wait > max) max = wait; if (wait > 100000) over++; n++ }
    END { printf "%.0f %d %d ", max / 1000, over, n }'
  echo "$took $code $retries $named"
}

echo "| round | run | longest reader wait | reader queries over 100 ms | \`dbward up\` | exit | tries again (naming the blocker) |"
echo "|---|---|---|---|---|---|---|"
runs=("$lock_timeout" off)
if [ -n "${BASELINE_DBWARD:-}" ]; then runs+=(baseline); fi
for round in $(seq 1 "$rounds"); do
  # The order turns from round to round, so that a change in the host's load is shared.
  for i in "${!runs[@]}"; do
    run=${runs[$(( (i + round - 1) % ${#runs[@]} ))]}
    case $run in
      baseline) limit=$lock_timeout program=$BASELINE_DBWARD label="baseline, \`--lock-timeout $lock_timeout\`" ;;
      *) limit=$run program=$dbward label="\`--lock-timeout $run\`" ;;
    esac
    line=$(scene "$limit" "$program") || exit 1
    read -r longest over queries took code retries named <<<"$line"
    echo "| $round | $label | ${longest} ms | $over of $queries | ${took} ms | $code | $retries ($named naming it) |"
  done
done
