#!/usr/bin/env bash
# Retention of EXPIRED rows out of TOTAL: a dbward retention job (short batches, sized by
# time) with the job's default settings against one plain DELETE of the same rows. It
# reports the total time and the longest single transaction of each, in one run on one
# fresh cluster.
# Usage: bench/retention.sh [TOTAL] [EXPIRED] [BATCH_SIZE]
#   (defaults: 2000000 1000000, and no batch_size: the job's defaults, pause included;
#   a BATCH_SIZE makes the batches go by rows, the way to compare the two methods)
set -euo pipefail
cd "$(dirname "$0")/.."
total=${1:-2000000}
expired=${2:-1000000}
batch=${3:-}

. bench/cluster.sh
bench_cluster retention
mkdir -p "$work/project"
bench_psql postgres -c "CREATE DATABASE bench_retention"
db=$base/bench_retention

fill() {
  psql -X -q "$db" <<SQL
DROP TABLE IF EXISTS events;
CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, created_at timestamptz NOT NULL, payload text);
INSERT INTO events (created_at, payload)
  SELECT CASE WHEN g <= $expired THEN now() - interval '400 days' ELSE now() - interval '1 day' END, md5(g::text)
  FROM generate_series(1, $total) g;
CREATE INDEX events_created_at ON events (created_at);
VACUUM ANALYZE events;
CHECKPOINT;
SQL
}

cat > "$work/project/dbward.toml" <<TOML
[jobs.events_retention]
kind = "retention"
table = "public.events"
column = "created_at"
older_than = "1 year"
TOML
if [ -n "$batch" ]; then
  echo "batch_size = $batch" >> "$work/project/dbward.toml"
fi

fill
start=$(date +%s%3N)
json=$(DATABASE_URL=$db "$dbward" -C "$work/project" job run events_retention --format json)
dbward_ms=$(( $(date +%s%3N) - start ))
longest=$(python3 -c "import json,sys; d=json.loads(sys.argv[1])['jobs'][0]; print(d['detail']['longest_batch_ms'], d['detail']['batches'], d['rows_affected'], d['detail']['largest_batch'], d['detail']['method'])" "$json")
read -r dbward_longest batches removed largest method <<<"$longest"

fill
start=$(date +%s%3N)
psql -X -q "$db" -c "DELETE FROM events WHERE created_at < now() - interval '1 year'"
delete_ms=$(( $(date +%s%3N) - start ))

settings="defaults${batch:+, batch_size $batch}, by $method"
ratio=$(python3 -c "import sys; print(f'{int(sys.argv[1]) / int(sys.argv[2]):.2f}x')" "$delete_ms" "$dbward_ms")
echo "| $expired expired of $total rows | total time | throughput | longest transaction | transactions |"
echo "|---|---|---|---|---|"
echo "| one plain \`DELETE\` | ${delete_ms} ms | 1x | ${delete_ms} ms | 1 |"
echo "| \`dbward job run\` (retention, $settings) | ${dbward_ms} ms | $ratio | ${dbward_longest} ms | $batches ($removed rows, at most $largest in one) |"
