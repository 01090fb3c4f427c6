#!/usr/bin/env bash
# The results grid of docs/results.md, from nothing: demo corpus, one model per row, WER per
# set, TED-LIUM bucket and long-form window, and the report. Every number follows from the seed.
#
#   bash recipes/librispeech/results.sh [--stage N] [--stop-stage M] [--rows "ROW ..."]
#        [--steps N] [--max-duration SEC] [--parallel N] [--hours H] [--seed S]
#        [--eval-minutes M] [--talk-rounds R] [--long-form "SEC ..."] [--chunk-seconds S]
#        [--jobs N]
#        [--work-dir DIR] [--report-dir DIR] [--merge JSON] [-- OVERRIDE ...]
#
# Stages: 0 demo corpus (H hours of training speech), 1 manifests, fbank and tokenizer,
#         2 TED-LIUM buckets and long-form windows, 3 train the rows (N at a time on one GPU),
#         4 decode every row on every set (long-form windows in one pass and in S-second
#         chunks), 5 report (results.md, results.json, img/*.png, and
#         runs/ROW/: each row's config, metrics.jsonl, logs and WER summaries).
# Rows are conf/results/<row>.yaml (default: all); OVERRIDEs after -- apply to every row.
set -euo pipefail

recipe_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(cd "$recipe_dir/../.." && pwd)"
source "$repo_dir/tools/venv.sh"
source "$repo_dir/tools/stages.sh"

stage=0
stop_stage=5
rows=""
steps=1500
max_duration=200
parallel=1
hours=20
seed=0
eval_minutes=10
talk_rounds=6
long_form="60 120 300"
chunk_seconds=30
jobs="$(nproc)"
work_dir="$PWD/grid"
report_dir=""
merge=()
overrides=()

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --stage) stage="$2"; shift 2 ;;
        --stop-stage|--stop_stage) stop_stage="$2"; shift 2 ;;
        --rows) rows="$2"; shift 2 ;;
        --steps) steps="$2"; shift 2 ;;
        --max-duration) max_duration="$2"; shift 2 ;;
        --parallel) parallel="$2"; shift 2 ;;
        --hours) hours="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        --eval-minutes) eval_minutes="$2"; shift 2 ;;
        --talk-rounds) talk_rounds="$2"; shift 2 ;;
        --long-form) long_form="$2"; shift 2 ;;
        --chunk-seconds) chunk_seconds="$2"; shift 2 ;;
        --jobs) jobs="$2"; shift 2 ;;
        --work-dir) work_dir="$2"; shift 2 ;;
        --report-dir) report_dir="$2"; shift 2 ;;
        --merge) merge+=(--merge "$2"); shift 2 ;;
        --) shift; overrides=("$@"); break ;;
        -h|--help) usage; exit 0 ;;
        *) echo "results.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

conf_dir="$recipe_dir/conf/results"
if [ -z "$rows" ]; then
    rows="$(find "$conf_dir" -name '*.yaml' ! -name base.yaml -printf '%f\n' | sed 's/\.yaml$//' | sort)"
fi
read -r -a rows <<<"$(echo $rows)"
for row in "${rows[@]}"; do
    [ -f "$conf_dir/$row.yaml" ] || { echo "results.sh: no row config $conf_dir/$row.yaml" >&2; exit 2; }
done
[ "$steps" -ge 20 ] || { echo "results.sh: --steps must be at least 20" >&2; exit 2; }
read -r -a durations <<<"$long_form"
long_sets=()
for d in "${durations[@]}"; do long_sets+=("tedlium-long-${d}s"); done
if [ "$stage" -le 0 ]; then  # the talks of stage 0 must be long enough for stage 2's windows
    need="$(python -c "from sigasr.data.demo.tedlium_layout import rounds_for
print(max(rounds_for(float(d)) for d in '${durations[*]}'.split()))")"
    if [ "$talk_rounds" -lt "$need" ]; then
        echo "results.sh: --long-form \"$long_form\" needs talks of --talk-rounds $need or more" \
            "(about 77 s a round); got $talk_rounds" >&2
        exit 2
    fi
fi
report_dir="${report_dir:-$work_dir/report}"
corpus="$work_dir/download/demo"
mkdir -p "$work_dir"
cd "$work_dir"

# The command that reproduces one row, recorded in its exp dir for the report.
row_command() {
    echo "bash recipes/librispeech/results.sh --rows $1 --steps $steps --max-duration" \
        "$max_duration --hours $hours --seed $seed --eval-minutes $eval_minutes" \
        "--talk-rounds $talk_rounds --long-form \"$long_form\" --chunk-seconds $chunk_seconds" \
        "${overrides[@]+-- ${overrides[*]}}"
}

# each_row N NAME FUNC: FUNC ROW for every row not done yet, --parallel at a time; the log of
# a row is exp/ROW/NAME.log. Fails when any row failed.
each_row() {
    local n="$1" name="$2" fn="$3" row running=0 failed=0 start=$SECONDS
    if [ "$n" -lt "$stage" ] || [ "$n" -gt "$stop_stage" ]; then return 0; fi
    for row in "${rows[@]}"; do
        local marker="$work_dir/.stage$n.$name.$row.done"
        if [ -f "$marker" ]; then echo "== stage $n ($name $row): done before, skipped"; continue; fi
        mkdir -p "exp/$row"
        echo "== stage $n ($name $row): log in $work_dir/exp/$row/$name.log"
        ( set -e; "$fn" "$row" >"exp/$row/$name.log" 2>&1; touch "$marker" ) &
        running=$((running + 1))
        if [ "$running" -ge "$parallel" ]; then
            wait -n || failed=1
            running=$((running - 1))
        fi
    done
    while [ "$running" -gt 0 ]; do
        wait -n || failed=1
        running=$((running - 1))
    done
    for row in "${rows[@]}"; do
        if [ ! -f "$work_dir/.stage$n.$name.$row.done" ]; then
            echo "results.sh: stage $n ($name) failed for $row; the end of its log:" >&2
            tail -n 20 "exp/$row/$name.log" >&2
        fi
    done
    if [ "$failed" -ne 0 ]; then exit 1; fi
    echo "== stage $n ($name): $((SECONDS - start)) s"
}

train_row() {
    local row="$1"
    row_command "$row" >"exp/$row/command.txt"
    echo $((parallel < ${#rows[@]} ? parallel : ${#rows[@]})) >"exp/$row/parallel.txt"
    sigasr train --config "$conf_dir/$row.yaml" --exp-dir "exp/$row" \
        train.max_steps="$steps" train.warmup_steps=$((steps / 10)) \
        train.valid_every=$((steps / 5)) train.save_every=$((steps / 20)) \
        data.max_duration="$max_duration" "${overrides[@]}"
}

decode_row() {
    local row="$1"
    sigasr decode --exp-dir "exp/$row" --test-sets dev-clean dev-other test-clean test-other
    sigasr decode --exp-dir "exp/$row" --bucket all
    # Chunks first: a one pass that runs out of memory still leaves the chunked results.
    sigasr decode --exp-dir "exp/$row" --test-sets "${long_sets[@]}" \
        --chunk-seconds "$chunk_seconds"
    sigasr decode --exp-dir "exp/$row" --test-sets "${long_sets[@]}"
}

parts=(train-clean-100 dev-clean dev-other test-clean test-other)
run_stage 0 demo-data sigasr demo-data --out "$corpus" --hours "$hours" --seed "$seed" \
    --eval-minutes "$eval_minutes" --talk-rounds "$talk_rounds" --num-jobs "$jobs"
prepare_data() {
    sigasr prepare librispeech --corpus-dir "$corpus/LibriSpeech" --parts "${parts[@]}" \
        --manifest-dir data/manifests --feature-dir data/fbank --num-jobs "$jobs" &&
        sigasr prepare tokenizer --config "$conf_dir/base.yaml" --manifest-dir data/manifests
}
run_stage 1 prepare prepare_data
prepare_tedlium() {
    sigasr prepare tedlium --corpus-dir "$corpus/TEDLIUM_release-3" \
        --manifest-dir data/manifests --on-the-fly --num-jobs "$jobs" &&
        sigasr prepare long-form --corpus-dir "$corpus/TEDLIUM_release-3" \
            --manifest-dir data/manifests --durations "${durations[@]}" --num-jobs "$jobs"
}
run_stage 2 tedlium prepare_tedlium
each_row 3 train train_row
each_row 4 decode decode_row
if [ "$stage" -le 5 ] && [ "$stop_stage" -ge 5 ]; then
    echo "== stage 5 (report)"
    mkdir -p "$report_dir/runs"
    for row in "${rows[@]}"; do  # the small files of each run: --exp-dirs for a later report
        (cd exp && cp --parents "$row"/{config.yaml,metrics.jsonl,command.txt,parallel.txt} \
            "$row"/*.log "$row"/decode/wer-summary-*.txt "$report_dir/runs/")
    done
    python "$repo_dir/tools/results_report.py" --exp-dirs "${rows[@]/#/exp/}" "${merge[@]}" \
        --out "$report_dir/results.md" --json "$report_dir/results.json" \
        --plots "$report_dir/img"
fi
echo "== stages $stage to $stop_stage done in ${SECONDS} s; report in $report_dir"
