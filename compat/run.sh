#!/usr/bin/env bash
# Tries dbward on real open-source projects kept in other tools' layouts.
#
# For each project of compat/projects.tsv (or only those named on the command line) it
# exports the project's folder at the listed commit into a fresh temporary folder, runs
# `dbward check` and `dbward ci` there (ci starts dbward's own PostgreSQL under .dbward/,
# since no database is configured), writes compat/results/<name>.txt and prints a summary.
#
# Usage: compat/run.sh [--list] [--markdown] [--name-layout] [NAME...]
#   --list         list the projects and stop
#   --markdown     print the summary as a Markdown table (for docs/compatibility.md)
#   --name-layout  also write `layout = "<layout>"` into the project's dbward.toml instead of
#                  leaving dbward to detect it; results go to compat/results/<name>.named.txt
# Environment:
#   DBWARD           the binary to try (default: target/debug/dbward of this checkout)
#   COMPAT_MIRRORS   folder of bare repositories named <owner>+<name>/repo, when copies of
#                    them are at hand (none by default)
#   COMPAT_CACHE     where a repository missing from COMPAT_MIRRORS is cloned
#                    (default compat/.repos, kept out of git)
#   COMPAT_TIMEOUT   seconds allowed to each dbward command (default 900)
#   COMPAT_KEEP=1    keep the temporary folders (their paths are printed)
set -u -o pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib.sh"

die() { echo "compat: $*" >&2; exit 2; }

[[ -x "$dbward" ]] || die "no dbward binary at $dbward (build it, or set DBWARD)"
mkdir -p "$results"

list_only=0
markdown=0
name_layout=0
declare -a wanted=()
for arg in "$@"; do
    case "$arg" in
        --list) list_only=1 ;;
        --markdown) markdown=1 ;;
        --name-layout) name_layout=1 ;;
        -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; exit 0 ;;
        -*) die "unknown option $arg" ;;
        *) wanted+=("$arg") ;;
    esac
done

# The lines worth reading first: each step's result, errors and warnings, and the detail
# of a failed step (its row of ci's table and the rows continuing it).
first_problems() {
    awk '
        /┆ failed/ { show = 1; print; next }
        show && /^│ +┆ +┆ +┆/ { print; next }
        { show = 0 }
        /^(ok |FAIL|error|warning)|[0-9]+ migrations?:/ && n < 40 { print; n++ }
    ' "$1"
}

# How many migrations dbward says it read (from check's summary line), or "?".
migrations_seen() {
    local n
    n="$(grep -E -o '^[0-9]+ migrations?:' "$1" | head -n 1 | grep -E -o '^[0-9]+')"
    echo "${n:-?}"
}

# One line saying why a run failed: ci's failed step with its detail, else the first error.
headline() {
    local row
    row="$(grep -m 1 '┆ failed' "$1" | sed -e 's/[│┆]/ /g' -e 's/  */ /g' -e 's/^ //' -e 's/^\([a-z ]*\) failed N ms /\1: /')"
    [[ -z "$row" ]] && row="$(grep -m 1 '^error:' "$1")"
    cut -c 1-140 <<<"$row"
}

# The newest version squawk found something in, as dbward's check reports it, written for
# dbward.toml: a number, or a quoted dotted version (Flyway's 1.10 sorts after 1.9). Empty
# when there is no finding, or check did not get as far as the lint.
lint_since() {
    (cd "$1" && timeout "$limit" "$dbward" check --format json 2>/dev/null) |
        jq -r '[.findings[]?.version | tostring]
               | max_by(split(".") | map(tonumber? // 0)) // empty
               | if test("^[0-9]+$") then (tonumber | tostring) else "\"" + . + "\"" end' 2>/dev/null
}

run_one() {
    local name="$1" layout="$2" repo="$3" commit="$4" root="$5" config="$6" note="$7"
    local out="$results/$name.txt" git_dir work project rc_check rc_ci seen log
    ((name_layout)) && out="$results/$name.named.txt"
    if ! git_dir="$(repository "$repo")"; then
        printf '%s\t%s\t-\tSKIP\tSKIP\t-\tcannot fetch %s\n' "$name" "$layout" "$repo" >>"$summary"
        return
    fi
    work="$(mktemp -d "${TMPDIR:-/tmp}/dbward-compat-XXXXXX")"
    # dbward's server runs as its own user when we are root: it must reach the folder.
    chmod 755 "$work"
    if ! export_tree "$git_dir" "$commit" "$root" "$work"; then
        printf '%s\t%s\t-\tSKIP\tSKIP\t-\t%s:%s not in %s\n' "$name" "$layout" "${commit:0:10}" "$root" "$repo" >>"$summary"
        rm -rf "$work"
        return
    fi
    project="$work"
    [[ "$root" != "." ]] && project="$work/$root"
    write_config "$project" "$config"
    if ((name_layout)); then
        printf 'layout = "%s"\n' "$layout" >>"$project/dbward.toml"
    fi
    chmod -R a+rX "$work"

    log="$(mktemp)"
    (cd "$project" && timeout "$limit" "$dbward" check) >"$log" 2>&1
    rc_check=$?
    scrub "$project" <"$log" >"$log.check"
    (cd "$project" && timeout "$limit" "$dbward" ci) >"$log" 2>&1
    rc_ci=$?
    scrub "$project" <"$log" >"$log.ci"
    destroy_local "$project"
    seen="$(migrations_seen "$log.check")"
    [[ "$seen" == "?" ]] && seen="$(migrations_seen "$log.ci")"

    # A project coming to dbward has run its migrations in production already, so it
    # waives squawk's findings on them with [check] since (README, "Checking a pull
    # request"). ci again with that, to see what the database makes of the files.
    local since="" rc_waived="-"
    [[ "$rc_ci" != 0 ]] && since="$(lint_since "$project")"
    if [[ -n "$since" ]]; then
        printf '\n[check]\nsince = %s\n' "$since" >>"$project/dbward.toml"
        (cd "$project" && timeout "$limit" "$dbward" ci) >"$log" 2>&1
        rc_waived=$?
        scrub "$project" <"$log" >"$log.waived"
        destroy_local "$project"
    fi

    {
        echo "# $name ($layout)"
        echo "repo:     https://github.com/$repo"
        echo "commit:   $commit"
        echo "root:     $root"
        [[ "$config" != "-" ]] && echo "dbward.toml: $(tr ';' ' ' <<<"$config")"
        ((name_layout)) && echo "dbward.toml: layout = \"$layout\" (named, not detected)"
        echo "note:     $note"
        echo "dbward:   $("$dbward" --version 2>/dev/null)$dbward_rev"
        echo "migrations seen: $seen"
        echo
        echo "## dbward check: exit $rc_check"
        first_problems "$log.check"
        echo
        echo "## dbward ci: exit $rc_ci"
        first_problems "$log.ci"
        echo
        if [[ -n "$since" ]]; then
            echo "## dbward ci with the lint waived ([check] since = $since): exit $rc_waived"
            first_problems "$log.waived"
            echo
        fi
        echo "## check output (first 60 lines)"
        head -n 60 "$log.check"
        echo
        echo "## ci output (first 80 lines)"
        head -n 80 "$log.ci"
        if [[ -n "$since" ]]; then
            echo
            echo "## ci output with the lint waived (first 80 lines)"
            head -n 80 "$log.waived"
        fi
    } >"$out"

    local problem
    local last="$log.ci" rc_last="$rc_ci"
    [[ -n "$since" ]] && last="$log.waived" rc_last="$rc_waived"
    problem=""
    if [[ "$rc_last" != 0 ]]; then
        problem="$(headline "$last")"
        [[ -z "$problem" ]] && problem="$(headline "$log.check")"
    fi
    # A pass that read no migration is no pass: the project's files were not found.
    [[ "$seen" == 0 ]] && problem="read no migration: the project's files were not found${problem:+; $problem}"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$layout" "$seen" "$rc_check" "$rc_ci" "$rc_waived" "$problem" >>"$summary"
    rm -f "$log" "$log.check" "$log.ci" "$log.waived"
    if [[ "${COMPAT_KEEP:-0}" == 1 ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}

dbward_rev=""
if [[ -z "${DBWARD:-}" ]] && git -C "$checkout" rev-parse --short HEAD >/dev/null 2>&1; then
    # The last commit that changed dbward itself, so that results move only when it does.
    dbward_rev=" (source at $(git -C "$checkout" log -1 --format=%h -- src Cargo.toml Cargo.lock))"
fi

summary="$(mktemp)"
trap 'rm -f "$summary"' EXIT
while IFS=$'\t' read -r name layout repo commit root config note; do
    [[ -z "$name" || "$name" == \#* || "$name" == name ]] && continue
    if ((${#wanted[@]})); then
        found=0
        for w in "${wanted[@]}"; do [[ "$w" == "$name" ]] && found=1; done
        ((found)) || continue
    fi
    if ((list_only)); then
        printf '%-32s %-15s %s@%s:%s\n' "$name" "$layout" "$repo" "${commit:0:10}" "$root"
        continue
    fi
    echo "== $name" >&2
    run_one "$name" "$layout" "$repo" "$commit" "$root" "$config" "$note" </dev/null
done <"$projects"
((list_only)) && exit 0

# compat/results/summary.tsv keeps one row per project (the rows of projects not run this
# time stay as they were), so `git diff` shows what a change to dbward changed.
table="$results/summary.tsv"
{
    printf 'name\tlayout\tmigrations\tcheck\tci\tci_lint_waived\tfirst_error\n'
    # The earlier rows of the projects not run this time.
    ((name_layout)) || awk -F'\t' 'NR == FNR { run[$1] = 1; next } !($1 in run)' "$summary" <(tail -n +2 "$table" 2>/dev/null) || true
    ((name_layout)) || cat "$summary"
} >"$table.new"
if ((name_layout)); then
    rm -f "$table.new"
else
    # In the order of projects.tsv.
    {
        head -n 1 "$table.new"
        grep -v -e '^#' -e '^name\b' "$projects" | cut -f1 | while read -r n; do
            grep -m 1 -P "^\Q$n\E\t" "$table.new" || true
        done
    } >"$table"
    rm -f "$table.new"
fi

if ((markdown)); then
    echo "| project | layout | migrations | check | ci | ci, lint waived | first error |"
    echo "|---|---|---:|---:|---:|---:|---|"
    while IFS=$'\t' read -r name layout seen rc_check rc_ci rc_waived problem; do
        printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$layout" "$seen" "$rc_check" "$rc_ci" \
            "$rc_waived" "$(sed -e 's/|/\\|/g' -e 's/`//g' <<<"$problem")"
    done <"$summary"
    exit 0
fi
printf '%-32s %-15s %5s %5s %4s %6s  %s\n' project layout migr check ci ci/lint "first error"
while IFS=$'\t' read -r name layout seen rc_check rc_ci rc_waived problem; do
    printf '%-32s %-15s %5s %5s %4s %6s  %s\n' "$name" "$layout" "$seen" "$rc_check" "$rc_ci" "$rc_waived" "$problem"
done <"$summary"
