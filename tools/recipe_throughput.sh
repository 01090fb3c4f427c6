#!/usr/bin/env bash
# The 105 M recipe's own throughput on one GPU, from nothing: what docs/benchmarks.md reports
# under "The 105 M recipe's own throughput".
#
#   bash tools/recipe_throughput.sh [--stage N] [--stop-stage M] [--steps N] [--nj N]
#        [--hours H] [--decode-hours H] [--beam-hours H] [--work-dir DIR]
#
# Stages: 0 a demo corpus of H hours (default 10, 5000 words, seed 1) through run.sh stages
#         0-4: fbank, 0.9x/1.1x speed copies, MUSAN noise cuts, the BPE tokenizer (a 10 h
#         epoch is ~145 steps; with --hours 32 --steps 400 the rated steps lie in epoch 1);
#         1 sigasr train conformer_ctc_100m for N steps (default 500) with a new Triton cache:
#         the first step cold, then tools/train_rate.py over steps 101..N (audio-s/s, median
#         step, GPU busy from NVML), also over the steps whose batches held 800 s or more;
#         2 sigasr bench training --steps 20 (the model alone, same GPU);
#         3 sigasr bench loader with the recipe's 8 workers, each augmentation also off;
#         4 a decode set of the first original training utterances (default 5 h), written
#         twice under two names, and one `sigasr decode` of both with a new Triton cache: the
#         first is the first set of a process (its warm-up compiles and autotunes), the second
#         shows the steady RTFx; then a new process decodes the first again (the cache warm);
#         5 sigasr bench decode over as many hours (audio in memory, no loader);
#         6 the word 3-gram of the training transcripts and its tuning on the dev sets
#         (run.sh stages 8-9: KenLM's lmplz, sigasr tune-lm);
#         7 sigasr decode --method beam, then beam-lm, of the decode set's first H hours
#         (default 1), written as 'throughput-beam'.
# Every stage's output also goes to WORK/logs/<stage>.log.
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
stage=0
stop_stage=7
steps=500
nj="$(nproc)"
hours=10
decode_hours=5
beam_hours=1
work_dir="$PWD/recipe-throughput"
while [ $# -gt 0 ]; do
    case "$1" in
        --stage) stage="$2"; shift 2 ;;
        --stop-stage) stop_stage="$2"; shift 2 ;;
        --steps) steps="$2"; shift 2 ;;
        --nj) nj="$2"; shift 2 ;;
        --hours) hours="$2"; shift 2 ;;
        --decode-hours) decode_hours="$2"; shift 2 ;;
        --beam-hours) beam_hours="$2"; shift 2 ;;
        --work-dir) work_dir="$2"; shift 2 ;;
        -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "recipe_throughput.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done
[ "$steps" -gt 100 ] || { echo "recipe_throughput.sh: --steps must be above 100" >&2; exit 2; }
source "$repo_dir/tools/venv.sh"
source "$repo_dir/tools/stages.sh"

config=conformer_ctc_100m
run=(bash "$repo_dir/recipes/librispeech/run.sh" --demo --work-dir "$work_dir" --config "$config")
demo="$work_dir/demo"  # run.sh --demo works in WORK/demo
exp="$demo/exp/$config"
mkdir -p "$work_dir/logs"
logged() {  # logged NAME COMMAND...: COMMAND's output to the terminal and WORK/logs/NAME.log
    local name="$1"; shift
    "$@" 2>&1 | tee "$work_dir/logs/$name.log"
}

run_stage 0 corpus logged corpus "${run[@]}" --hours "$hours" --words 5000 --seed 1 --nj "$nj" \
    --stop-stage 4

train() {
    TRITON_CACHE_DIR="$work_dir/triton-cache" logged train "${run[@]}" --stage 5 --stop-stage 5 \
        train.max_steps="$steps" train.warmup_steps=$((steps / 4)) \
        train.valid_every=$((steps * 2)) train.save_every=$((steps / 2)) decode.avg=1 &&
        logged train-rate python "$repo_dir/tools/train_rate.py" "$exp" --from-step 101 \
            --min-audio 800
}
run_stage 1 train train

run_stage 2 bench-training logged bench-training sigasr bench training --steps 20

loader() {
    (cd "$demo" && sigasr bench loader \
        --config "$repo_dir/recipes/librispeech/conf/$config.yaml" --workers 8 --batches 25 \
        --ablate "data.train_sets=[train-clean-100]")
}
run_stage 3 bench-loader logged bench-loader loader

decode_set() {
    (cd "$demo" && python - "$decode_hours" "$beam_hours" <<'EOF'
import sys

from lhotse import CutSet

from sigasr.data.corpora import cuts_path, load_set

hours, beam_hours = float(sys.argv[1]), float(sys.argv[2])
kept, total, beam_count = [], 0.0, 0
for cut in load_set("data/manifests", "train-clean-100"):
    if "_sp" in cut.id:  # the speed-perturbed copies
        continue
    if total >= hours * 3600:
        break
    kept.append(cut)
    total += cut.duration
    beam_count += total <= beam_hours * 3600
if total < hours * 3600:
    sys.exit(f"the corpus holds {total / 3600:.2f} h of original training audio, not {hours} h")
for name in ("throughput", "throughput-again"):
    CutSet.from_cuts(kept).to_file(cuts_path("data/manifests", name))
CutSet.from_cuts(kept[:beam_count]).to_file(cuts_path("data/manifests", "throughput-beam"))
print(f"decode set: {len(kept)} utterances, {total / 3600:.2f} h, as 'throughput' and "
      f"'throughput-again'; its first {beam_count} as 'throughput-beam'")
EOF
    ) && (cd "$demo" && export TRITON_CACHE_DIR="$work_dir/triton-cache-decode" &&
        sigasr decode --exp-dir "exp/$config" --test-sets throughput throughput-again &&
        echo "== a new process, the Triton cache warm" &&
        sigasr decode --exp-dir "exp/$config" --test-sets throughput &&
        true)  # a subshell's last command is exec'd in place: its "since process start"
               # would count the whole subshell, the decode above included
}
run_stage 4 decode logged decode decode_set

run_stage 5 bench-decode logged bench-decode sigasr bench decode --hours "$decode_hours"

run_stage 6 lm logged lm "${run[@]}" --stage 8 --stop-stage 9

beam() {
    local method
    for method in beam beam-lm; do
        (cd "$demo" && sigasr decode --exp-dir "exp/$config" --method "$method" \
            --test-sets throughput-beam) || return
    done
}
run_stage 7 beam logged beam beam
echo "== logs in $work_dir/logs"
