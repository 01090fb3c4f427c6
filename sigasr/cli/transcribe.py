"""`sigasr transcribe`: transcribe audio files with an exported model directory.

Reads any format soundfile reads, at any sample rate. Prints ``<file>\\t<text>`` per file and,
with ``--timestamps``, one ``<start>\\t<end>\\t<word>`` line per word after it.
"""

from __future__ import annotations

import sys

from sigasr.decode.methods import add_method_arguments


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "transcribe",
        help="Transcribe audio files with an exported model.",
        description=__doc__.splitlines()[0].split(": ", 1)[1],
    )
    p.add_argument("--model", required=True, help="a directory written by sigasr export")
    p.add_argument("audio", nargs="+", help="audio files")
    p.add_argument("--timestamps", action="store_true", help="print word start and end times")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument(
        "--max-one-pass-seconds",
        type=float,
        help="longer audio goes in overlapping chunks (default: 3600 on a GPU, 60 on the CPU)",
    )
    p.add_argument("--chunk-seconds", type=float, default=30.0)
    p.add_argument("--overlap-seconds", type=float, default=4.0)
    add_method_arguments(p)
    p.set_defaults(func=transcribe)


def transcribe(args) -> int:
    from pathlib import Path

    from sigasr.cli.export import TOKENIZER_FILES
    from sigasr.model import CTCModel
    from sigasr.runtime import resolve_device
    from sigasr.transcribe.audio import AudioError
    from sigasr.transcribe.transcriber import Transcriber, word_start_ids

    model_dir = Path(args.model)
    for name in TOKENIZER_FILES:
        if not (model_dir / name).is_file():
            raise FileNotFoundError(f"{model_dir / name}: missing (use sigasr export)")
    missing = [a for a in args.audio if not Path(a).is_file()]
    if missing:
        raise AudioError(f"{missing[0]}: no such audio file ({len(missing)} missing)")
    from sigasr.data.tokenizer import Tokenizer

    device = resolve_device(args.device)
    model = CTCModel.from_pretrained(model_dir).to(device)
    one_pass = args.max_one_pass_seconds or (3600.0 if device.type == "cuda" else 60.0)
    transcriber = Transcriber(
        model,
        Tokenizer(model_dir),
        device,
        max_one_pass_seconds=one_pass,
        chunk_seconds=args.chunk_seconds,
        overlap_seconds=args.overlap_seconds,
        word_starts=word_start_ids(model_dir / "tokens.txt"),
        method=args.method,
        method_options=args,
    )
    failed = 0
    for path in args.audio:
        try:
            result = transcriber.transcribe(path, timestamps=args.timestamps)
        except AudioError as e:
            print(f"sigasr transcribe: error: {e}", file=sys.stderr)
            failed += 1
            continue
        print(f"{result.path}\t{result.text}", flush=True)
        for w in result.words:
            print(f"{w.start:.2f}\t{w.end:.2f}\t{w.word}")
    if failed:
        print(f"sigasr transcribe: {failed} of {len(args.audio)} file(s) failed", file=sys.stderr)
    return 1 if failed else 0
