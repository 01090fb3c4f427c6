#!/usr/bin/env bash
# LibriSpeech CTC recipe (icefall-style stages over the sigasr CLI).
#
#   bash recipes/librispeech/run.sh [--stage N] [--stop-stage M] [--demo] [--config NAME]
#        [--corpus-dir DIR] [--tedlium-dir DIR] [--musan-dir DIR] [--nj N]
#        [--hours H] [--words W] [--seed S] [key=value ...]
#
# Stages: 0 download (with --demo: synthesize the demo corpus, --hours of speech over
#         --words distinct words from --seed), 1 manifests, 2 features (with 0.9x/1.1x copies
#         of the training parts when data.speed_perturb), 3 MUSAN noise cuts (when
#         data.noise.enabled), 4 tokenizer, 5 train, 6 average + decode dev/test, 7 TED-LIUM
#         buckets, 8 the word n-gram LM that decode.lm names (LibriSpeech's official ARPA;
#         --demo: KenLM lmplz on the training transcripts), 9 LM weight and word score tuned
#         on dev, 10 beam and beam+LM decoding of dev/test.
# key=value overrides of the config reach every stage that reads it (1-5, 8), e.g.
#         train.max_steps=2000 data.max_duration=300.
# Each finished stage leaves a .done marker, re-running skips it: the data stages (0-4, 8)
# in the work directory, the stages of one experiment (5-7, 9, 10) in exp/<config>, so that
# a second --config trains and decodes on the same data.
set -euo pipefail

recipe_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$recipe_dir/../../tools/venv.sh"
source "$recipe_dir/../../tools/stages.sh"

stage=0
stop_stage=10
demo=false
config=""
corpus_dir=""
tedlium_dir=""
musan_dir=""
nj=1
hours=3
words=500
seed=0
overrides=()
work_dir="$PWD"

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --stage) stage="$2"; shift 2 ;;
        --stop-stage|--stop_stage) stop_stage="$2"; shift 2 ;;
        --demo) demo=true; shift ;;
        --config) config="$2"; shift 2 ;;
        --corpus-dir) corpus_dir="$2"; shift 2 ;;
        --tedlium-dir) tedlium_dir="$2"; shift 2 ;;
        --musan-dir) musan_dir="$2"; shift 2 ;;
        --work-dir) work_dir="$2"; shift 2 ;;
        --nj) nj="$2"; shift 2 ;;
        --hours) hours="$2"; shift 2 ;;
        --words) words="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "run.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
        *=*) overrides+=("$1"); shift ;;
        *) echo "run.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

if $demo; then
    config="${config:-demo}"
    work_dir="$work_dir/demo"
    corpus_dir="${corpus_dir:-$work_dir/download/demo/LibriSpeech}"
    tedlium_dir="${tedlium_dir:-$work_dir/download/demo/TEDLIUM_release-3}"
    musan_dir="${musan_dir:-$work_dir/download/demo/musan}"
    musan_args=(--parts music noise)  # the demo's MUSAN has no babble
    parts=(train-clean-100 dev-clean dev-other test-clean test-other)
    # The demo corpus has one training part, whatever the config trains on.
    # ... and its LM is estimated from those transcripts (stage 8).
    overrides=("data.train_sets=[train-clean-100]" "decode.lm=data/lm/train-3gram.arpa"
        "${overrides[@]}")
else
    config="${config:-conformer_ctc_100m}"
    corpus_dir="${corpus_dir:-$work_dir/download/LibriSpeech}"
    musan_dir="${musan_dir:-$work_dir/download/musan}"
    musan_args=(--download)
    parts=(train-clean-100 train-clean-360 train-other-500 dev-clean dev-other test-clean test-other)
fi
conf_file="$recipe_dir/conf/$config.yaml"
[ -f "$conf_file" ] || { echo "run.sh: no config '$conf_file'" >&2; exit 2; }
exp_dir="$work_dir/exp/$config"
mkdir -p "$work_dir"
cd "$work_dir"

if $demo; then
    run_stage 0 demo-data sigasr demo-data --out "$work_dir/download/demo" --hours "$hours" \
        --vocab-size "$words" --seed "$seed" --num-jobs "$nj"
else
    run_stage 0 download sigasr prepare librispeech --download --corpus-dir "$corpus_dir" \
        --parts "${parts[@]}" --manifest-dir data/manifests --stop-after download
fi
run_stage 1 manifests sigasr prepare librispeech --corpus-dir "$corpus_dir" \
    --parts "${parts[@]}" --manifest-dir data/manifests --stop-after manifests --num-jobs "$nj" \
    --config "$conf_file" --overrides "${overrides[@]}"
run_stage 2 features sigasr prepare librispeech --corpus-dir "$corpus_dir" \
    --parts "${parts[@]}" --manifest-dir data/manifests --feature-dir "$work_dir/data/fbank" \
    --num-jobs "$nj" --config "$conf_file" --overrides "${overrides[@]}"
run_stage 3 musan sigasr prepare musan --corpus-dir "$musan_dir" "${musan_args[@]}" \
    --feature-dir "$work_dir/data/fbank" --num-jobs "$nj" \
    --config "$conf_file" --overrides "${overrides[@]}"
run_stage 4 tokenizer sigasr prepare tokenizer --manifest-dir data/manifests \
    --config "$conf_file" --overrides "${overrides[@]}"
marker_dir="$exp_dir"
run_stage 5 train sigasr train --config "$conf_file" --exp-dir "$exp_dir" "${overrides[@]}"
eval_sets=(dev-clean dev-other test-clean test-other)
run_stage 6 decode sigasr decode --exp-dir "$exp_dir" --test-sets "${eval_sets[@]}"
if [ -n "$tedlium_dir" ]; then
    run_stage 7 tedlium bash "$recipe_dir/../tedlium/run.sh" --exp-dir "$exp_dir" \
        --tedlium-dir "$tedlium_dir"
elif [ "$stage" -le 7 ] && [ "$stop_stage" -ge 7 ]; then
    echo "== stage 7 (tedlium): skipped, no --tedlium-dir given"
fi
demo_lm() {
    bash "$recipe_dir/../../tools/build_kenlm.sh" &&
        sigasr prepare ngram --config "$conf_file" --overrides "${overrides[@]}" --order 3
}
decode_lm() {
    local method
    for method in beam beam-lm; do
        sigasr decode --exp-dir "$exp_dir" --method "$method" --test-sets "${eval_sets[@]}" ||
            return
    done
}
marker_dir="$work_dir"
if $demo; then
    run_stage 8 lm demo_lm
else
    run_stage 8 lm sigasr prepare librispeech-lm --lm-dir data/lm --models 3-gram.pruned.1e-7
fi
marker_dir="$exp_dir"
run_stage 9 lm-tune sigasr tune-lm --exp-dir "$exp_dir"
run_stage 10 decode-lm decode_lm
echo "== all stages from $stage to $stop_stage done in ${SECONDS} s; results under $exp_dir/decode"
if compgen -G "$exp_dir/decode/wer-summary-*.txt" >/dev/null; then
    cat "$exp_dir"/decode/wer-summary-*.txt
fi
echo "== to run sigasr commands yourself (sigasr decode, export, transcribe), first:"
echo "   source $(cd "$recipe_dir/../.." && pwd)/.venv/bin/activate"
