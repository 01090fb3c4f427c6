#!/usr/bin/env bash
# TED-LIUM v3 length-bucket evaluation of any trained sigasr experiment.
#
#   bash recipes/tedlium/run.sh --exp-dir exp/NAME [--tedlium-dir DIR]
#
# Prepares the TED-LIUM v3 dev+test manifests, features and the four length buckets
# (0-10s, 10-20s, 20-30s, 30s+) in the experiment's manifest directory, then decodes every
# bucket and prints the WER table (also plotted to <exp>/decode/wer-by-bucket-step-<N>-avg-<K>.png).
set -euo pipefail

source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/tools/venv.sh"

exp_dir=""
tedlium_dir="$PWD/download/TEDLIUM_release-3"
usage() { sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --exp-dir) exp_dir="$2"; shift 2 ;;
        --tedlium-dir) tedlium_dir="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "tedlium/run.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
done
[ -n "$exp_dir" ] || { echo "tedlium/run.sh: --exp-dir is required" >&2; usage >&2; exit 2; }
config="$exp_dir/config.yaml"
[ -f "$config" ] || { echo "tedlium/run.sh: $config missing (train first)" >&2; exit 1; }
[ -d "$tedlium_dir" ] || { echo "tedlium/run.sh: no TED-LIUM corpus at $tedlium_dir" >&2; exit 1; }

# The buckets go where `sigasr decode --exp-dir` looks: the experiment's manifest_dir.
manifest_dir="$(sed -n 's/^  manifest_dir: *//p' "$config" | head -n 1)"
feature_dir="$(dirname "$manifest_dir")/fbank"
sigasr prepare tedlium --corpus-dir "$tedlium_dir" --manifest-dir "$manifest_dir" \
    --feature-dir "$feature_dir"
sigasr decode --exp-dir "$exp_dir" --bucket all
