# Shared by compat/run.sh and compat/generate.sh, sourced once they set `here` (the compat
# folder): the settings their environment gives, and the steps both take.

checkout="$(cd "$here/.." && pwd)"
dbward="${DBWARD:-${CARGO_TARGET_DIR:-$checkout/target}/debug/dbward}"
mirrors="${COMPAT_MIRRORS:-}"
cache="${COMPAT_CACHE:-$here/.repos}"
limit="${COMPAT_TIMEOUT:-900}"
results="$here/results"
projects="$here/projects.tsv"

# The bare repository holding <owner>/<name>: the mirror, else a clone in the cache.
repository() {
    local repo="$1" slug="${1/\//+}"
    if [[ -n "$mirrors" && -d "$mirrors/$slug/repo" ]]; then
        echo "$mirrors/$slug/repo"
        return 0
    fi
    if [[ ! -d "$cache/$slug.git" ]]; then
        mkdir -p "$cache"
        git clone --quiet --bare "https://github.com/$repo.git" "$cache/$slug.git" >&2 || return 1
    fi
    echo "$cache/$slug.git"
}

# Machine paths out of the output: the project folder becomes ".", a socket folder a name.
scrub() {
    local dir="$1"
    sed -e "s#$dir/#./#g" -e "s#$dir#.#g" -e 's#/tmp/dbward-[A-Za-z0-9]*#/tmp/dbward-XXXXXX#g' -e 's/dbward_scratch_[0-9_]*/dbward_scratch_N/g' -e 's/\b[0-9][0-9]* ms\b/N ms/g' -e 's/[[:space:]]*$//' |
        # ci's table pads its columns to the widest cell: squeeze it so runs compare.
        sed -E -e '/[│┆]/ s/ {2,}/ /g' -e '/^[┌╞└─┬┴┐┘╪═╡]+$/d'
}

# <root> of <commit> into <dest>. A snapshot may lack its biggest files (fetched mirrors
# leave out files of 4 MiB and more), which stops `git archive`: then file by file,
# leaving out only what is missing (never a migration).
export_tree() {
    local git_dir="$1" commit="$2" root="$3" dest="$4" path mode type object
    local -a paths=()
    [[ "$root" != "." ]] && paths=("$root")
    git --git-dir="$git_dir" cat-file -e "$commit^{commit}" 2>/dev/null || return 1
    git --git-dir="$git_dir" archive "$commit" "${paths[@]}" 2>/dev/null | tar -x -C "$dest" 2>/dev/null && return 0
    git --git-dir="$git_dir" ls-tree -r -z "$commit" "${paths[@]}" |
        while IFS=$' \t' read -r -d '' mode type object path; do
            [[ "$type" == blob ]] || continue
            mkdir -p "$dest/$(dirname "$path")"
            if [[ "$mode" == 120000 ]]; then
                ln -sf "$(git --git-dir="$git_dir" cat-file blob "$object")" "$dest/$path"
            else
                git --git-dir="$git_dir" cat-file blob "$object" >"$dest/$path" 2>/dev/null || rm -f "$dest/$path"
            fi
        done
}

destroy_local() {
    if [[ -d "$1/.dbward" ]]; then
        (cd "$1" && "$dbward" local destroy) >/dev/null 2>&1
    fi
}

# The projects.tsv config column ("-", or key=value;key=value) as <project>/dbward.toml,
# unless the project has one.
write_config() {
    local project="$1" config="$2" pair
    if [[ "$config" != "-" && ! -e "$project/dbward.toml" ]]; then
        IFS=';' read -r -a pairs <<<"$config"
        for pair in "${pairs[@]}"; do
            printf '%s = "%s"\n' "${pair%%=*}" "${pair#*=}"
        done >"$project/dbward.toml"
    fi
}
