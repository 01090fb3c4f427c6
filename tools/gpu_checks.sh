#!/usr/bin/env bash
# FlashSigmoid's GPU tests and benchmarks on any machine with a CUDA GPU, each part under its
# own time limit.
#
#   bash tools/gpu_checks.sh [-o DIR] [part ...]      (default parts: tests asr d128)
#
# Parts, with their time limits in seconds:
#   tests (450)      GPU tests: the bf16 reference sweep, autotuned tiles, torch.compile (of
#                    the kernels and the encoder layers), CUDA graphs, fast launch
#   tests-fp16 (450), tests-fp32 (550)   the reference sweep in that dtype (~20 s a case on
#                    an H100)
#   sweep (300)      tools/tile_sweep.py --candidates at the ASR shapes and 4,16,4096,128
#   asr (150), padded (150), d128 (300)   sigasr bench attention --graph (GPU time)
#   paper (320)      sigasr bench attention --set paper (eager)
#   training (300), training-compile (550)   sigasr bench training [--compile]
#
# A part that runs past its limit gets SIGINT (pytest and the benchmarks print what they
# have), then SIGKILL 5 s later, so a hung Triton compile cannot hold up the parts after it.
# DIR (default ./gpu-checks) receives one PART.txt per part (benchmarks also PART.md), a
# summary.txt (GPU, versions, each part's exit status and time) and gpu-checks.tgz with all of
# them. The project's dependencies must be importable (bash tools/venv.sh); on a machine
# without internet that has torch, a wheelhouse in .whl/ is installed first
# (tools/offline_env.sh).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/gpu-checks"
if [[ ${1:-} == -o ]]; then
    [[ $# -ge 2 ]] || { echo "[gpu_checks] -o needs a directory"; exit 2; }
    out="$(realpath -m "$2")"
    shift 2
fi
cd "$root"
parts=(${@:-tests asr d128})
known=" tests tests-fp16 tests-fp32 sweep asr padded d128 paper training training-compile "
for p in "${parts[@]}"; do
    [[ $known == *" $p "* ]] || { echo "[gpu_checks] unknown part '$p' (one of:$known)"; exit 2; }
done
if ! python3 -c "import lhotse, jiwer, omegaconf, torch, triton" 2>/dev/null; then
    source tools/offline_env.sh "$root/.whl" || {
        echo "[gpu_checks] sigasr's dependencies are missing: run 'source tools/venv.sh' first"
        exit 1
    }
fi
export PYTHONPATH="$PWD:$PWD/kernels${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$out"

part() {  # part NAME LIMIT COMMAND...
    local name=$1 limit=$2 start=$SECONDS
    shift 2
    timeout -k 5 -s INT "$limit" "$@" >"$out/$name.txt" 2>&1
    local rc=$?
    echo "[gpu_checks] $name: rc $rc, $((SECONDS - start)) s (limit $limit)" | tee -a "$out/summary.txt"
    tail -n 3 "$out/$name.txt"
}

{
    date -u
    nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>&1 || true
    python3 -c "import torch, triton; print('torch', torch.__version__, 'triton', triton.__version__)"
} | tee "$out/summary.txt"

bench=(python3 -m sigasr bench attention)
sweep_dtype=(python3 -m pytest -m gpu tests/kernels -v -p no:cacheprovider -k)
for p in "${parts[@]}"; do
    case $p in
        tests) part tests 450 python3 -m pytest -m gpu tests -v -p no:cacheprovider \
            -k "not test_gpu_matches_reference or bf16" ;;
        tests-fp16) part tests-fp16 450 "${sweep_dtype[@]}" "test_gpu_matches_reference and fp16" ;;
        tests-fp32) part tests-fp32 550 "${sweep_dtype[@]}" "test_gpu_matches_reference and fp32" ;;
        sweep) part sweep 300 python3 tools/tile_sweep.py --candidates ;;
        asr) part asr 150 "${bench[@]}" --set asr --graph --markdown "$out/asr.md" ;;
        padded) part padded 150 "${bench[@]}" --set padded --graph --markdown "$out/padded.md" ;;
        d128) part d128 300 "${bench[@]}" --graph --markdown "$out/d128.md" \
            --shapes 16,16,1024,128 4,16,4096,128 1,16,16384,128 ;;
        paper) part paper 320 "${bench[@]}" --set paper --markdown "$out/paper.md" ;;
        training) part training 300 python3 -m sigasr bench training --steps 20 ;;
        training-compile) part training-compile 550 python3 -m sigasr bench training --compile ;;
    esac
done
tar czf "$out/gpu-checks.tgz" -C "$out" --exclude gpu-checks.tgz .
echo "[gpu_checks] results in $out (all of them packed in $out/gpu-checks.tgz)"
