"""Output formats of ``sigasr transcribe``: text, JSONL, SRT, WebVTT and CTM.

Each :class:`OutputFormat` renders one :class:`Transcript`. Formats that describe one media
file (SRT, WebVTT) cannot hold several recordings in one stream; the others can.

- ``text``: ``<name>\\t<text>`` per recording in a stream, the bare text in a file of its own;
  with timestamps, a ``<start>\\t<end>\\t<word>`` line per word after it.
- ``jsonl``: one JSON object per recording: ``audio``, ``text``, ``duration``, ``chunks``,
  ``words`` (``word``, ``start``, ``end`` in seconds, ``confidence``; see
  :mod:`sigasr.transcribe.timestamps`) and ``warnings``.
- ``srt`` / ``vtt``: numbered cues of at most :data:`CUE_CHARS` characters and
  :data:`CUE_SECONDS` seconds, split at pauses longer than :data:`CUE_PAUSE`.
- ``ctm``: NIST CTM, ``<id> 1 <start> <duration> <word> <confidence>`` per word, the id
  being the recording's stem with whitespace replaced by ``_``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI imports this module for its choices, without torch
    from sigasr.transcribe.timestamps import WordTiming
    from sigasr.transcribe.transcriber import Transcript

CUE_CHARS = 42  # one subtitle line, the usual broadcast limit
CUE_SECONDS = 6.0
CUE_PAUSE = 1.0


@dataclass(frozen=True)
class OutputFormat:
    """``render(transcript, stem, in_stream)`` gives the recording's text in this format."""

    name: str
    extension: str
    one_recording_per_file: bool
    needs_words: bool
    render: Callable[[Transcript, str, bool], str]


def _text(t: Transcript, stem: str, in_stream: bool, timestamps: bool) -> str:
    lines = [f"{t.name}\t{t.text}" if in_stream else t.text]
    if timestamps:
        lines += [f"{w.start:.2f}\t{w.end:.2f}\t{w.word}" for w in t.words]
    return "\n".join(lines) + "\n"


def _jsonl(t: Transcript, stem: str, in_stream: bool) -> str:
    record = {
        "audio": t.name,
        "text": t.text,
        "duration": round(t.duration, 3),
        "chunks": t.chunks,
        "words": [
            {"word": w.word, "start": w.start, "end": w.end, "confidence": w.confidence}
            for w in t.words
        ],
        "warnings": t.warnings,
    }
    return json.dumps(record, ensure_ascii=False) + "\n"


def cues(words: list[WordTiming]) -> list[list[WordTiming]]:
    """Words grouped into subtitle cues (see the module doc)."""
    groups: list[list[WordTiming]] = []
    for w in words:
        if groups:
            last = groups[-1]
            chars = sum(len(x.word) + 1 for x in last) + len(w.word)
            if (
                chars <= CUE_CHARS
                and w.end - last[0].start <= CUE_SECONDS
                and w.start - last[-1].end <= CUE_PAUSE
            ):
                last.append(w)
                continue
        groups.append([w])
    return groups


def _clock(seconds: float, separator: str) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{separator}{ms:03d}"


def _subtitles(t: Transcript, separator: str, numbered: bool) -> str:
    blocks = []
    for i, cue in enumerate(cues(t.words), 1):
        end = max(cue[-1].end, cue[0].start + 0.001)
        timing = f"{_clock(cue[0].start, separator)} --> {_clock(end, separator)}"
        text = " ".join(w.word for w in cue)
        blocks.append(f"{i}\n{timing}\n{text}\n" if numbered else f"{timing}\n{text}\n")
    return "\n".join(blocks)


def _srt(t: Transcript, stem: str, in_stream: bool) -> str:
    return _subtitles(t, ",", numbered=True)


def _vtt(t: Transcript, stem: str, in_stream: bool) -> str:
    return "WEBVTT\n\n" + _subtitles(t, ".", numbered=False)


def _ctm(t: Transcript, stem: str, in_stream: bool) -> str:
    utt = re.sub(r"\s+", "_", stem)
    return "".join(
        f"{utt} 1 {w.start:.3f} {w.end - w.start:.3f} {w.word} {w.confidence:.4f}\n"
        for w in t.words
    )


def output_format(name: str, timestamps: bool = False) -> OutputFormat:
    """The format called ``name`` (one of :data:`FORMAT_NAMES`)."""
    if name == "text":
        return OutputFormat(
            "text",
            ".txt",
            False,
            timestamps,
            lambda t, stem, in_stream: _text(t, stem, in_stream, timestamps),
        )
    return {
        "jsonl": OutputFormat("jsonl", ".jsonl", False, True, _jsonl),
        "srt": OutputFormat("srt", ".srt", True, True, _srt),
        "vtt": OutputFormat("vtt", ".vtt", True, True, _vtt),
        "ctm": OutputFormat("ctm", ".ctm", False, True, _ctm),
    }[name]


FORMAT_NAMES = ("text", "jsonl", "srt", "vtt", "ctm")
