# Source this file: run_stage for icefall-style recipes. It reads $stage, $stop_stage and
# $marker_dir (default: $work_dir) from the recipe.
#
# run_stage N NAME COMMAND...: runs COMMAND unless N is outside [stage, stop_stage] or the
# marker $marker_dir/.stageN.NAME.done says it finished before; leaves that marker on success
# and exits the recipe on failure. A shell function as COMMAND runs with `set -e` off (bash
# ignores it there), so chain its commands with &&.
run_stage() {
    local n="$1" name="$2"; shift 2
    if [ "$n" -lt "$stage" ] || [ "$n" -gt "$stop_stage" ]; then return 0; fi
    local marker="${marker_dir:-$work_dir}/.stage$n.$name.done"
    if [ -f "$marker" ]; then echo "== stage $n ($name): done before, skipped"; return 0; fi
    echo "== stage $n ($name)"
    local start=$SECONDS rc=0
    "$@" || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "${0##*/}: stage $n ($name) failed (exit $rc); stages after it did not run." >&2
        exit "$rc"
    fi
    echo "== stage $n ($name): $((SECONDS - start)) s"
    mkdir -p "${marker%/*}" && touch "$marker"
}
