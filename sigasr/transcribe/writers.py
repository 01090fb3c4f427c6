"""Where transcripts go: standard output, one file, or one file per recording in a folder.

Transcripts arrive in the order batches finish (shortest recordings first); the writer puts
them back in input order, writing each as soon as every earlier one is done. A single output
file is written as results come and renamed into place at the end (:mod:`sigasr.atomic`),
so an interrupted run leaves no half-written file under the final name; each file of an
output folder appears whole.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TextIO

from sigasr.atomic import atomic_path, atomic_write_text
from sigasr.errors import UsageError
from sigasr.transcribe.formats import OutputFormat
from sigasr.transcribe.transcriber import Transcript


class OutputError(UsageError):
    """The output destination does not fit the format or cannot be written."""


def is_folder_destination(output: str | None) -> bool:
    """An existing folder, or a path ending in ``/``, gets one file per recording."""
    return output is not None and (output.endswith("/") or Path(output).is_dir())


class TranscriptWriter:
    """Writes the transcripts of ``stems`` (one per input recording, in input order); a
    context manager that finishes the output when the run ends.

    Args:
        fmt: the output format.
        stems: each recording's relative output name, without extension.
        output: None for standard output, a folder (see :func:`is_folder_destination`) or a
            file path.
    """

    def __init__(self, fmt: OutputFormat, stems: list[str], output: str | None):
        self.fmt = fmt
        self.stems = stems
        self.folder = Path(output) if is_folder_destination(output) else None
        if self.folder is None and fmt.one_recording_per_file and len(stems) > 1:
            target = output or "standard output"
            raise OutputError(
                f"{fmt.name} holds one recording per file; {len(stems)} recordings cannot go "
                f"to {target}: give a folder, e.g. --output {fmt.name}/"
            )
        self._pending: dict[int, Transcript | None] = {}
        self._next = 0
        self._stack = ExitStack()
        self._stream: TextIO = sys.stdout
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
        elif output is not None:
            tmp = self._stack.enter_context(atomic_path(output))
            self._stream = self._stack.enter_context(tmp.open("w", encoding="utf-8"))

    def add(self, index: int, transcript: Transcript | None) -> None:
        """Records the result of recording ``index`` (None when it failed) and writes what
        is ready."""
        self._pending[index] = transcript
        while self._next in self._pending:
            done = self._pending.pop(self._next)
            if done is not None:
                self._write(self.stems[self._next], done)
            self._next += 1

    def _write(self, stem: str, transcript: Transcript) -> None:
        if self.folder is not None:
            path = self.folder / (stem + self.fmt.extension)
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, self.fmt.render(transcript, stem, False))
        else:
            self._stream.write(self.fmt.render(transcript, stem, True))
            self._stream.flush()

    def __enter__(self) -> TranscriptWriter:
        return self

    def __exit__(self, *exc) -> None:
        """Renames the output file into place, or drops it when the run raised."""
        self._stack.__exit__(*exc)
