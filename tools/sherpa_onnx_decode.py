#!/usr/bin/env python3
"""Transcribe WAV files with a model from `sigasr export --format onnx`, through sherpa-onnx alone.

    pip install sherpa-onnx
    python tools/sherpa_onnx_decode.py --model-dir MODEL_DIR a.wav b.wav ...

Needs only sherpa-onnx and the Python standard library (no sigasr, torch or numpy) for
16-bit PCM WAV files; other formats (FLAC, OGG, ...) are read with soundfile when it is
installed. Channels are averaged, as sigasr does; sherpa-onnx resamples other rates to
16 kHz. Prints ``<file>\\t<text>`` per file, as `sigasr transcribe` does.
"""

from __future__ import annotations

import argparse
import array
import sys
import wave
from pathlib import Path

import sherpa_onnx


def read_audio(path: str) -> tuple[list[float], int]:
    """Samples in [-1, 1] (channels averaged) and the sample rate of an audio file."""
    if path.lower().endswith(".wav"):
        return read_wav(path)
    try:
        import soundfile
    except ImportError:
        raise ValueError(
            "not a .wav file, and soundfile (pip install soundfile) is not installed"
        ) from None
    samples, rate = soundfile.read(path, dtype="float32", always_2d=True)
    return samples.mean(axis=1).tolist(), rate


def read_wav(path: str) -> tuple[list[float], int]:
    """Samples in [-1, 1] (channels averaged) and the sample rate of a 16-bit PCM WAV file."""
    with wave.open(path, "rb") as f:
        if f.getsampwidth() != 2:
            raise ValueError(f"{path}: {8 * f.getsampwidth()}-bit samples; expected 16-bit PCM")
        channels, rate = f.getnchannels(), f.getframerate()
        pcm = array.array("h", f.readframes(f.getnframes()))
    if sys.byteorder == "big":
        pcm.byteswap()
    scale = 1.0 / (32768 * channels)
    return [sum(pcm[i : i + channels]) * scale for i in range(0, len(pcm), channels)], rate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", required=True, help="holds model.onnx and tokens.txt")
    parser.add_argument("--int8", action="store_true", help="run model.int8.onnx")
    parser.add_argument("--num-threads", type=int, default=1)
    parser.add_argument("audio", nargs="+", help="16-bit PCM WAV files (others need soundfile)")
    args = parser.parse_args(argv)

    model_dir = Path(args.model_dir)
    model = model_dir / ("model.int8.onnx" if args.int8 else "model.onnx")
    for path in (model, model_dir / "tokens.txt"):
        if not path.is_file():
            print(f"{path}: missing (use sigasr export --format onnx)", file=sys.stderr)
            return 1
    recognizer = sherpa_onnx.OfflineRecognizer.from_zipformer_ctc(
        model=str(model),
        tokens=str(model_dir / "tokens.txt"),
        num_threads=args.num_threads,
        sample_rate=16000,
        feature_dim=80,
        decoding_method="greedy_search",
    )
    failed = 0
    for path in args.audio:
        try:
            samples, rate = read_audio(path)
        except (OSError, EOFError, RuntimeError, ValueError, wave.Error) as e:
            print(f"{path}: cannot read ({e})", file=sys.stderr)
            failed += 1
            continue
        stream = recognizer.create_stream()
        stream.accept_waveform(rate, samples)
        recognizer.decode_stream(stream)
        print(f"{path}\t{stream.result.text.strip()}", flush=True)  # as sigasr transcribe
    if failed:
        print(f"{failed} of {len(args.audio)} file(s) failed", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
