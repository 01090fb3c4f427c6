#!/usr/bin/env bash
# Shows that torchrun DDP on N processes trains as one process does on N times the batch.
#
#   bash tools/ddp_equivalence.sh [--procs N] [--steps S] [--same-steps S1] [--seeds "A B ..."]
#                                 [--max-duration SEC] [--work-dir DIR]
#
# On the demo corpus (recipes/librispeech/run.sh --demo, stages 0-3) it trains the demo config
# in two groups, all runs side by side (they are small):
#   twice the batch, S steps (default 800, the demo config's), for each seed A, B, ...:
#     ddpN-seedA     torchrun --nproc-per-node N, SEC seconds of audio per process and step;
#     batchNx-seedA  one process, data.max_duration=N·SEC: the same audio per step, drawn
#                    into other batches, so the runs agree as curves and in WER, up to seed
#                    noise (hence several seeds) and one sampler effect: one process keeps
#                    each bucket's short last batch of an epoch, DDP drops them, which on
#                    the 2.6 h demo corpus costs the one process 12 % of its audio per step
#                    (docs/benchmarks.md; on LibriSpeech these batches are under 0.1 %;
#                    data.drop_last=true drops them in one process too);
#   the same batches, S1 steps (default 80, inside the demo corpus's first epoch), first seed:
#     same-ddpN      as ddpN with data.num_buckets=1;
#     same-accumN    one process, data.num_buckets=1, train.accum_grad=N. lhotse hands rank r
#                    batch N·k+r, the batches one process accumulates for step k; with one
#                    bucket (lhotse keeps the N ranks of a step in one bucket, which one
#                    process does not copy) the losses agree step by step up to rounding.
# Then greedy WER on demo test-clean for the first group, and tools/compare_runs.py's table
# and loss plot for each group. With N GPUs each DDP process gets one and the single-process
# runs alternate between the first and last GPU; without CUDA all runs use the CPU (gloo).
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
procs=2
steps=800
same_steps=80
seeds="42"
max_duration=60
work_dir="$PWD/ddp-equivalence"
while [ $# -gt 0 ]; do
    case "$1" in
        --procs) procs="$2"; shift 2 ;;
        --steps) steps="$2"; shift 2 ;;
        --same-steps) same_steps="$2"; shift 2 ;;
        --seeds) seeds="$2"; shift 2 ;;
        --max-duration) max_duration="$2"; shift 2 ;;
        --work-dir) work_dir="$2"; shift 2 ;;
        -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "ddp_equivalence.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done

bash "$repo_dir/recipes/librispeech/run.sh" --demo --stop-stage 3 --work-dir "$work_dir"
source "$repo_dir/tools/venv.sh"
cd "$work_dir/demo"
conf="$repo_dir/recipes/librispeech/conf/demo.yaml"
last_gpu=$(($(python -c 'import torch; print(torch.cuda.device_count())') - 1))
[ "$last_gpu" -ge 0 ] || last_gpu=0
ddp=(python -m torch.distributed.run --standalone --nproc-per-node "$procs" -m sigasr)

names=()
pids=()
launch() {  # launch NAME COMMAND...: runs COMMAND in the background, output in NAME.log
    names+=("$1")
    "${@:2}" >"$1.log" 2>&1 &
    pids+=("$!")
}
twice=()
for seed in $seeds; do
    launch "ddp$procs-seed$seed" "${ddp[@]}" train --config "$conf" \
        --exp-dir "exp/ddp$procs-seed$seed" "train.seed=$seed" "train.max_steps=$steps" \
        "data.max_duration=$max_duration"
    launch "batch${procs}x-seed$seed" env CUDA_VISIBLE_DEVICES=$((${#names[@]} % 2 * last_gpu)) \
        sigasr train --config "$conf" --exp-dir "exp/batch${procs}x-seed$seed" "train.seed=$seed" \
        "train.max_steps=$steps" "data.max_duration=$((procs * max_duration))"
    twice+=("exp/ddp$procs-seed$seed" "exp/batch${procs}x-seed$seed")
done
first_seed="${seeds%% *}"
launch "same-ddp$procs" "${ddp[@]}" train --config "$conf" --exp-dir "exp/same-ddp$procs" \
    "train.seed=$first_seed" "train.max_steps=$same_steps" "data.max_duration=$max_duration" \
    data.num_buckets=1
launch "same-accum$procs" env CUDA_VISIBLE_DEVICES=0 sigasr train --config "$conf" \
    --exp-dir "exp/same-accum$procs" "train.seed=$first_seed" "train.max_steps=$same_steps" \
    "data.max_duration=$max_duration" data.num_buckets=1 "train.accum_grad=$procs"
echo "== training ${names[*]} side by side; logs: $PWD/<name>.log"
for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
        tail -n 30 "${names[$i]}.log" >&2
        echo "ddp_equivalence.sh: run ${names[$i]} failed" >&2
        exit 1
    fi
    echo "== ${names[$i]} done at ${SECONDS} s: $(grep -a 'training done' "${names[$i]}.log")"
done

for exp in "${twice[@]}"; do
    sigasr decode --exp-dir "$exp" --test-sets test-clean
done
echo "== twice the batch"
python "$repo_dir/tools/compare_runs.py" "${twice[@]}" --plot twice-the-batch.png
echo "== the same batches"
python "$repo_dir/tools/compare_runs.py" "exp/same-ddp$procs" "exp/same-accum$procs" \
    --every 10 --window 10 --plot same-batches.png
