# Sourced by the bench scripts, from the repository's root: builds the release binary and
# starts one throw-away cluster, made and started the way dbward makes its own local one.
#
#   bench_cluster NAME [ROOT]
#
# Sets dbward (the binary), work (a new folder under ROOT, /tmp by default, removed on
# exit with the cluster in it) and base (the cluster's URL without a database name).
# A script adds its own clean-up to bench_cleanup, a list of paths also removed on exit.
bench_cleanup=()

bench_cluster() {
  local name=$1 root=${2:-/tmp}
  cargo build --release --quiet
  dbward=$PWD/target/release/dbward
  work=$(mktemp -d "$root/dbward-bench-$name.XXXXXX")
  # The cluster runs as a user of its own when the bench runs as root.
  chmod 755 "$work"
  trap bench_clean_up EXIT
  mkdir -p "$work/cluster"
  # A project of its own (an empty dbward.toml), which dbward's local cluster belongs to.
  : > "$work/cluster/dbward.toml"
  "$dbward" -C "$work/cluster" local start >/dev/null
  local url
  url=$("$dbward" -C "$work/cluster" local url)
  base=${url%/postgres}
  # The cluster takes a password over TCP; psql, sqlx and dbward all read PGPASSWORD.
  PGPASSWORD=$(cat "$work/cluster/.dbward/password")
  export PGPASSWORD
}

bench_clean_up() {
  "$dbward" -C "$work/cluster" local destroy >/dev/null 2>&1 || true
  rm -rf "$work" "${bench_cleanup[@]}"
}

# psql on database $1 of the cluster, stopping at the first error.
bench_psql() {
  local database=$1
  shift
  psql -X -q -v ON_ERROR_STOP=1 "$base/$database" "$@"
}
