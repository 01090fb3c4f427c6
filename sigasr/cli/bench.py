"""`sigasr bench attention|training|loader|decode|one-pass|onnx|cpu`: kernel, training, loader,
decoding, transcription and exported-model figures."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "bench",
        help="Benchmarks: attention kernels against softmax baselines (needs a GPU).",
        description="Benchmarks. `sigasr bench WHAT --help` lists the options of each.",
    )
    p.add_argument(
        "what",
        choices=["attention", "training", "loader", "decode", "one-pass", "onnx", "cpu"],
        help="attention: the kernels alone; training: a recipe model's training step; "
        "loader: the training loader's audio seconds per second, no model; "
        "decode: the decoding loop's RTFx on audio in memory, pass by pass; "
        "one-pass: the longest audio transcribe decodes in one pass; "
        "onnx: WER and speed on the CPU of PyTorch, ONNX fp32 and ONNX int8; "
        "cpu: one-pass transcription on the CPU, sigmoid against softmax",
    )
    p.add_argument("options", nargs=argparse.REMAINDER, help="options of that benchmark")
    p.set_defaults(func=_run)


def _run(args) -> int:
    if args.what == "attention":
        from sigasr.benchmarks.attention import main
    elif args.what == "onnx":
        from sigasr.benchmarks.onnx_cpu import main
    elif args.what == "training":
        from sigasr.benchmarks.training import main
    elif args.what == "loader":
        from sigasr.benchmarks.loader import main
    elif args.what == "decode":
        from sigasr.benchmarks.decode import main
    elif args.what == "cpu":
        from sigasr.benchmarks.cpu import main
    else:
        from sigasr.benchmarks.one_pass import main
    return main(args.options)
