#!/usr/bin/env bash
# Tries `dbward diff --write` on real open-source schemas: for each project of
# compat/projects.tsv (or only those named on the command line) it exports the project as
# compat/run.sh does, builds its schema with `dbward up` on the project's own local
# PostgreSQL, then, from an empty project (Supabase's compat when the project is one),
# writes the migration that takes nothing to that schema (`diff --write init
# --database-url ...`, proven before it is written) and runs `dbward ci` on it: up, down
# and up again on a throw-away database. Results go to compat/results/generate-<name>.txt
# and a summary to compat/results/generate-summary.tsv.
#
# Usage: compat/generate.sh [NAME...]
# Environment: DBWARD, COMPAT_MIRRORS, COMPAT_CACHE, COMPAT_TIMEOUT as for compat/run.sh.
set -u -o pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib.sh"

[[ -x "$dbward" ]] || { echo "compat: no dbward binary at $dbward" >&2; exit 2; }
mkdir -p "$results"
declare -a wanted=("$@")

# The first line that says why a step failed.
why() { grep -m 1 -E '^(error|FAIL)|failed|nothing was written' "$1" | cut -c 1-160; }

generate_one() {
    local name="$1" layout="$2" repo="$3" commit="$4" root="$5" config="$6"
    local git_dir work project empty url rc_up rc_write rc_ci problem="" log
    git_dir="$(repository "$repo")" || { printf '%s\t%s\tSKIP\t-\t-\tcannot fetch\n' "$name" "$layout"; return; }
    work="$(mktemp -d "${TMPDIR:-/tmp}/dbward-generate-XXXXXX")"
    chmod 755 "$work"
    export_tree "$git_dir" "$commit" "$root" "$work" || { printf '%s\t%s\tSKIP\t-\t-\tnot exported\n' "$name" "$layout"; rm -rf "$work"; return; }
    project="$work"
    [[ "$root" != "." ]] && project="$work/$root"
    write_config "$project" "$config"
    empty="$work/.generated"
    mkdir -p "$empty"
    [[ "$layout" == supabase ]] && echo 'compat = "supabase"' >"$empty/dbward.toml" || : >"$empty/dbward.toml"
    chmod -R a+rX "$work"
    log="$results/generate-$name.txt"
    echo "# $name ($layout): https://github.com/$repo at $commit, $root" >"$log"
    (cd "$project" && timeout "$limit" "$dbward" up) >"$log.step" 2>&1
    rc_up=$?
    { echo "## dbward up (the project's own migrations, on its local PostgreSQL): exit $rc_up"; tail -n 5 "$log.step"; } >>"$log"
    rc_write="-" rc_ci="-"
    if [[ "$rc_up" == 0 ]]; then
        url="$(cd "$project" && "$dbward" local url)"
        (cd "$empty" && PGPASSWORD="$(cat "$project/.dbward/password")" timeout "$limit" \
            "$dbward" diff --write init --database-url "$url") >"$log.step" 2>&1
        rc_write=$?
        { echo "## dbward diff --write init, from that database: exit $rc_write"; cat "$log.step"; } >>"$log"
        if [[ "$rc_write" == 0 ]]; then
            (cd "$empty" && timeout "$limit" "$dbward" ci) >"$log.step" 2>&1
            rc_ci=$?
            { echo "## dbward ci on the written migration: exit $rc_ci"; tail -n 25 "$log.step"; } >>"$log"
        fi
    fi
    rm -f "$log.step"
    [[ "$rc_up" != 0 || "$rc_write" != 0 || "$rc_ci" != 0 ]] && problem="$(why "$log")"
    destroy_local "$project"
    destroy_local "$empty"
    sed -i -e "s#$work#.#g" -e 's#/tmp/dbward-[A-Za-z0-9]*#/tmp/dbward-XXXXXX#g' -e 's/dbward_scratch_[0-9_]*/dbward_scratch_N/g' "$log"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$layout" "$rc_up" "$rc_write" "$rc_ci" "$problem"
    rm -rf "$work"
}

# compat/results/generate-summary.tsv keeps one row per project; the rows of projects not
# run this time stay as they were.
summary="$results/generate-summary.tsv"
rows="$(mktemp)"
trap 'rm -f "$rows"' EXIT
while IFS=$'\t' read -r name layout repo commit root config note; do
    [[ -z "$name" || "$name" == \#* || "$name" == name ]] && continue
    if ((${#wanted[@]})); then
        found=0
        for w in "${wanted[@]}"; do [[ "$w" == "$name" ]] && found=1; done
        ((found)) || continue
    fi
    echo "== $name" >&2
    generate_one "$name" "$layout" "$repo" "$commit" "$root" "$config" </dev/null | tee -a "$rows"
done <"$projects"
{
    printf 'name\tlayout\tup\tdiff_write\tci\tfirst_error\n'
    grep -v -e '^#' -e '^name\b' "$projects" | cut -f1 | while read -r n; do
        [[ -z "$n" ]] && continue
        grep -m 1 -P "^\Q$n\E\t" "$rows" || grep -m 1 -P "^\Q$n\E\t" "$summary" 2>/dev/null || true
    done
} >"$summary.new"
mv "$summary.new" "$summary"
