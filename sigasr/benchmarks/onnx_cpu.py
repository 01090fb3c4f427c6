"""WER and speed on the CPU of an exported model: PyTorch, ONNX float32 and ONNX int8.

Decodes a test set one utterance at a time (batch 1, as sherpa-onnx decodes a stream) with
greedy CTC, through the same :class:`~sigasr.transcribe.transcriber.Transcriber` and the same
features for each runtime, so that only the model differs. Times the model alone (features
computed beforehand); RTFx is audio seconds per wall-clock second. Needs a directory from
``sigasr export --format onnx``.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import time
from pathlib import Path

import torch

from sigasr.transcribe.transcriber import FRAME_SECONDS


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(argv: list[str] | None = None) -> int:
    import onnxruntime

    from sigasr.ctc import greedy_ctc
    from sigasr.data.corpora import load_set
    from sigasr.data.features import compute_fbank
    from sigasr.data.tokenizer import Tokenizer
    from sigasr.decode.scoring import score
    from sigasr.export.onnx import ONNX_FILE, ONNX_INT8_FILE
    from sigasr.export.onnx_model import OnnxCTCModel
    from sigasr.model import WEIGHTS_FILE, CTCModel
    from sigasr.transcribe.transcriber import Transcriber

    parser = argparse.ArgumentParser(prog="sigasr bench onnx", description=__doc__)
    parser.add_argument(
        "--model", required=True, help="a directory from sigasr export --format onnx"
    )
    parser.add_argument("--manifest-dir", required=True)
    parser.add_argument("--test-set", default="test-clean")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads of every runtime")
    parser.add_argument(
        "--memory-gib",
        type=float,
        default=4.0,
        help="memory for one pass: longer utterances go in chunks (every runtime alike)",
    )
    args = parser.parse_args(argv)

    model_dir = Path(args.model)
    for name in (ONNX_FILE, ONNX_INT8_FILE):
        if not (model_dir / name).is_file():
            print(f"sigasr bench onnx: {model_dir / name} missing (sigasr export --format onnx)")
            return 2
    torch.set_num_threads(args.threads)
    tokenizer = Tokenizer(model_dir)
    cuts = list(load_set(args.manifest_dir, args.test_set))
    utterances = []
    for cut in cuts:
        samples = torch.from_numpy(cut.load_audio()[0])
        text = " ".join(s.text for s in cut.supervisions)
        utterances.append((cut.id, text, compute_fbank(samples, cut.sampling_rate)))
    audio_seconds = sum(f.size(0) for *_, f in utterances) * FRAME_SECONDS
    runtimes = [
        ("PyTorch fp32", CTCModel.from_pretrained(model_dir), model_dir / WEIGHTS_FILE),
        ("ONNX fp32", OnnxCTCModel(model_dir / ONNX_FILE, args.threads), model_dir / ONNX_FILE),
        (
            "ONNX int8",
            OnnxCTCModel(model_dir / ONNX_INT8_FILE, args.threads),
            model_dir / ONNX_INT8_FILE,
        ),
    ]
    print(
        f"{args.test_set}: {len(utterances)} utterances, {audio_seconds / 60:.1f} min; "
        f"{_cpu_name()}, {args.threads} thread(s); torch {torch.__version__}, "
        f"onnxruntime {onnxruntime.__version__}; {datetime.date.today()}",
        flush=True,
    )
    one_pass = runtimes[1][1].max_one_pass_seconds(args.memory_gib)
    rows = []
    for name, model, weights in runtimes:
        transcriber = Transcriber(model, tokenizer, torch.device("cpu"), one_pass)
        transcriber.log_probs(utterances[0][2])  # warm-up outside the timing
        hyps, wall = [], 0.0
        for _, _, features in utterances:
            start = time.perf_counter()
            log_probs, _ = transcriber.log_probs(features)
            wall += time.perf_counter() - start
            tokens = greedy_ctc(log_probs[None], torch.tensor([log_probs.size(0)]))[0]
            hyps.append(tokenizer.decode(tokens))
        stats = score([u[0] for u in utterances], [u[1] for u in utterances], hyps).stats
        rows.append((name, weights.stat().st_size / 2**20, stats.wer, audio_seconds / wall))
        print(f"  {name}: WER {stats.wer:.2f}%, RTFx {rows[-1][3]:.1f}", flush=True)
    base = rows[0][3]
    print("\n| runtime | file (MiB) | WER (%) | RTFx | speed vs PyTorch |")
    print("|---|---:|---:|---:|---:|")
    for name, mib, wer, rtfx in rows:
        print(f"| {name} | {mib:.1f} | {wer:.2f} | {rtfx:.1f} | {rtfx / base:.2f}x |")
    return 0
