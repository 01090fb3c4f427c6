"""`sigasr transcribe`: transcribe audio files, folders and lhotse manifests with a model.

Inputs are audio files (any format soundfile reads, at any sample rate), folders (searched
recursively for such files) and lhotse manifests of cuts or recordings (``*.jsonl.gz``). The
model is a folder written by ``sigasr export`` or a Hugging Face Hub id (``org/name``).
Recordings are batched by duration; those longer than ``--max-one-pass-seconds``, or whose
one pass the memory estimate does not fit, are decoded in overlapping chunks.

``--format`` picks text, jsonl (words with start, end and confidence), srt, vtt or ctm;
``--output`` a file, or a folder (an existing one, or a path ending in ``/``) that gets one
file per recording. Without ``--output``, transcripts go to standard output; progress,
warnings and errors go to standard error. A recording that cannot be transcribed is reported
with its reason and the run goes on; it ends with a summary line and exits 1 if any failed.
"""

from __future__ import annotations

import argparse
import sys

from sigasr.decode.methods import add_method_arguments
from sigasr.transcribe.formats import FORMAT_NAMES

PROG = "sigasr transcribe"


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "transcribe",
        help="Transcribe audio files, folders or lhotse manifests with an exported model.",
        description=__doc__.split(": ", 1)[1].replace("``", ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--model", required=True, help="a folder from sigasr export, or a Hub id")
    p.add_argument("audio", nargs="+", help="audio files, folders, lhotse manifests")
    p.add_argument("--format", choices=FORMAT_NAMES, default="text", help="output format")
    p.add_argument("--output", help="a file, or a folder for one file per recording")
    p.add_argument(
        "--timestamps", action="store_true", help="text format: a line per word with its times"
    )
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument(
        "--batch-seconds",
        type=float,
        help="padded audio per batch (default: 600 on a GPU, 60 on the CPU)",
    )
    p.add_argument(
        "--max-one-pass-seconds",
        type=float,
        help="longer audio goes in overlapping chunks (default: 3600 on a GPU, 60 on the CPU)",
    )
    p.add_argument("--chunk-seconds", type=float, default=30.0)
    p.add_argument("--overlap-seconds", type=float, default=4.0)
    add_method_arguments(p)
    p.set_defaults(func=transcribe)


def load(args):
    """The model, tokenizer and device that ``args`` name, as a :class:`Transcriber`."""
    from sigasr.cli.export import TOKENIZER_FILES
    from sigasr.data.tokenizer import Tokenizer
    from sigasr.errors import ModelLoadError
    from sigasr.hub import resolve_model_dir
    from sigasr.model import CTCModel
    from sigasr.runtime import resolve_device
    from sigasr.transcribe.transcriber import Transcriber, word_start_ids

    device = resolve_device(args.device)
    model_dir = resolve_model_dir(args.model)
    for name in TOKENIZER_FILES:
        if not (model_dir / name).is_file():
            raise ModelLoadError(f"{model_dir / name}: missing (not a sigasr export folder?)")
    model = CTCModel.from_pretrained(model_dir).to(device)
    gpu = device.type == "cuda"
    return Transcriber(
        model,
        Tokenizer(model_dir),
        device,
        max_one_pass_seconds=args.max_one_pass_seconds or (3600.0 if gpu else 60.0),
        chunk_seconds=args.chunk_seconds,
        overlap_seconds=args.overlap_seconds,
        word_starts=word_start_ids(model_dir / "tokens.txt"),
        method=args.method,
        method_options=args,
    )


def transcribe(args) -> int:
    import time

    from sigasr.decode.methods import closing_decoder
    from sigasr.transcribe.batching import plan_batches
    from sigasr.transcribe.formats import output_format
    from sigasr.transcribe.inputs import collect_sources
    from sigasr.transcribe.progress import TranscribeProgress
    from sigasr.transcribe.writers import TranscriptWriter

    start = time.perf_counter()
    fmt = output_format(args.format, args.timestamps)
    transcriber = load(args)
    sources, problems = collect_sources(args.audio)
    total = len(sources) + len(problems)
    for problem in problems:
        print(f"{PROG}: error: {problem}", file=sys.stderr)
    if not fmt.needs_words:
        transcriber.word_starts = None
    batch_seconds = args.batch_seconds or (600.0 if transcriber.device.type == "cuda" else 60.0)
    progress = TranscribeProgress(sum(s.duration or 0.0 for s in sources), len(sources))
    try:
        with (
            closing_decoder(transcriber.decoder),
            TranscriptWriter(fmt, [s.stem for s in sources], args.output) as writer,
        ):
            batches = plan_batches(
                sources, batch_seconds, transcriber.max_one_pass_seconds, transcriber.fits
            )
            for batch in batches:
                results = _transcribe_batch(transcriber, [sources[i] for i in batch])
                _report(batch, results, writer, progress)
    except KeyboardInterrupt:
        progress.close()
        print(f"{PROG}: interrupted (an --output file is not left half-written)", file=sys.stderr)
        return 130
    progress.close()
    failed = len(problems) + progress.failed
    wall = time.perf_counter() - start
    print(
        f"{PROG}: {total - failed} of {total} transcribed, {failed} failed; "
        f"{progress.seconds:.1f} s of audio in {wall:.1f} s (RTFx {progress.rtfx:.1f})"
        + (f"; output in {args.output}" if args.output else ""),
        file=sys.stderr,
    )
    return 1 if failed else 0


def _report(batch: list[int], results: list, writer, progress) -> None:
    """Writes the transcripts of ``batch``; reports its failures and warnings."""
    seconds = 0.0
    for index, result in zip(batch, results, strict=True):
        if isinstance(result, Exception):
            progress.write(f"{PROG}: error: {result}")
            writer.add(index, None)
            continue
        seconds += result.duration
        for warning in result.warnings:
            progress.write(f"{PROG}: warning: {result.name}: {warning}")
        writer.add(index, result)
    progress.update(len(batch), seconds, sum(isinstance(r, Exception) for r in results))


def _transcribe_batch(transcriber, sources) -> list:
    """A transcript or the :class:`AudioError` that stopped it, per source."""
    from sigasr.transcribe.audio import AudioError

    prepared, results = [], []
    for source in sources:
        try:
            prepared.append(transcriber.prepare(source))
            results.append(None)
        except AudioError as e:
            results.append(e)
    try:
        done = iter(transcriber.transcribe_prepared(prepared))
    except AudioError:  # a fallback inside the batch failed: each on its own
        done = iter(_one_by_one(transcriber, prepared))
    return [r if r is not None else next(done) for r in results]


def _one_by_one(transcriber, prepared) -> list:
    from sigasr.transcribe.audio import AudioError

    out = []
    for item in prepared:
        try:
            out.extend(transcriber.transcribe_prepared([item]))
        except AudioError as e:
            out.append(e)
    return out
