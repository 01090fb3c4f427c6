#!/usr/bin/env bash
# LibriSpeech CTC recipe (icefall-style stages over the sigasr CLI).
#
#   bash recipes/librispeech/run.sh [--stage N] [--stop-stage M] [--demo] [--config NAME]
#                                   [--corpus-dir DIR] [--tedlium-dir DIR]
#
# Stages: 0 download (with --demo: synthesize the demo corpus), 1 manifests, 2 features,
#         3 tokenizer, 4 train, 5 average + decode dev/test, 6 TED-LIUM buckets.
# Each finished stage leaves a .done marker under the work directory; re-running skips it.
set -euo pipefail

recipe_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$recipe_dir/../../tools/venv.sh"
source "$recipe_dir/../../tools/stages.sh"

stage=0
stop_stage=6
demo=false
config=""
corpus_dir=""
tedlium_dir=""
work_dir="$PWD"

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --stage) stage="$2"; shift 2 ;;
        --stop-stage|--stop_stage) stop_stage="$2"; shift 2 ;;
        --demo) demo=true; shift ;;
        --config) config="$2"; shift 2 ;;
        --corpus-dir) corpus_dir="$2"; shift 2 ;;
        --tedlium-dir) tedlium_dir="$2"; shift 2 ;;
        --work-dir) work_dir="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

if $demo; then
    config="${config:-demo}"
    work_dir="$work_dir/demo"
    corpus_dir="${corpus_dir:-$work_dir/download/demo/LibriSpeech}"
    tedlium_dir="${tedlium_dir:-$work_dir/download/demo/TEDLIUM_release-3}"
    parts=(train-clean-100 dev-clean dev-other test-clean test-other)
else
    config="${config:-conformer_ctc_100m}"
    corpus_dir="${corpus_dir:-$work_dir/download/LibriSpeech}"
    parts=(train-clean-100 train-clean-360 train-other-500 dev-clean dev-other test-clean test-other)
fi
conf_file="$recipe_dir/conf/$config.yaml"
[ -f "$conf_file" ] || { echo "run.sh: no config '$conf_file'" >&2; exit 2; }
exp_dir="$work_dir/exp/$config"
mkdir -p "$work_dir"
cd "$work_dir"

if $demo; then
    run_stage 0 demo-data sigasr demo-data --out "$work_dir/download/demo"
else
    run_stage 0 download sigasr prepare librispeech --download --corpus-dir "$corpus_dir" \
        --parts "${parts[@]}" --manifest-dir data/manifests --stop-after download
fi
run_stage 1 manifests sigasr prepare librispeech --corpus-dir "$corpus_dir" \
    --parts "${parts[@]}" --manifest-dir data/manifests --stop-after manifests
run_stage 2 features sigasr prepare librispeech --corpus-dir "$corpus_dir" \
    --parts "${parts[@]}" --manifest-dir data/manifests --feature-dir "$work_dir/data/fbank"
run_stage 3 tokenizer sigasr prepare tokenizer --config "$conf_file" --manifest-dir data/manifests
run_stage 4 train sigasr train --config "$conf_file" --exp-dir "$exp_dir"
run_stage 5 decode sigasr decode --exp-dir "$exp_dir" --test-sets dev-clean dev-other test-clean test-other
if [ -n "$tedlium_dir" ]; then
    run_stage 6 tedlium bash "$recipe_dir/../tedlium/run.sh" --exp-dir "$exp_dir" \
        --tedlium-dir "$tedlium_dir"
elif [ "$stage" -le 6 ] && [ "$stop_stage" -ge 6 ]; then
    echo "== stage 6 (tedlium): skipped, no --tedlium-dir given"
fi
echo "== all stages from $stage to $stop_stage done in ${SECONDS} s; results under $exp_dir/decode"
if compgen -G "$exp_dir/decode/wer-summary-*.txt" >/dev/null; then
    cat "$exp_dir"/decode/wer-summary-*.txt
fi
