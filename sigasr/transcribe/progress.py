"""Transcription progress on standard error: audio seconds done, files, failures and RTFx.

A tqdm bar on a terminal; otherwise (a log file, a pipe) a plain line at most every
:data:`PLAIN_EVERY` seconds, with no cursor codes. The caller prints the summary line.
"""

from __future__ import annotations

import sys
import time

from tqdm import tqdm

PLAIN_EVERY = 10.0  # seconds between plain progress lines


class TranscribeProgress:
    """Progress over ``total_seconds`` of audio in ``total_files`` recordings.

    RTFx is the audio seconds transcribed per wall-clock second since the start, reading and
    feature extraction included.
    """

    def __init__(self, total_seconds: float, total_files: int, stream=None):
        self.stream = stream or sys.stderr
        self.total_seconds = total_seconds
        self.total_files = total_files
        self.seconds = 0.0
        self.files = 0
        self.failed = 0
        self.start = time.perf_counter()
        self._last_line = self.start
        self.bar = None
        if self.stream.isatty():
            self.bar = tqdm(
                total=round(total_seconds, 2),
                desc="transcribe",
                unit="s",
                file=self.stream,
                dynamic_ncols=True,
                bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} s audio [{elapsed}<{remaining}{postfix}]",
            )

    @property
    def rtfx(self) -> float:
        return self.seconds / max(time.perf_counter() - self.start, 1e-9)

    def update(self, files: int, seconds: float, failed: int = 0) -> None:
        self.files += files
        self.seconds += seconds
        self.failed += failed
        if self.bar is not None:
            self.bar.set_postfix_str(
                f"{self.files}/{self.total_files} files, {self.failed} failed, "
                f"RTFx {self.rtfx:.1f}",
                refresh=False,
            )
            self.bar.update(seconds)
        elif time.perf_counter() - self._last_line >= PLAIN_EVERY:
            self._plain_line()

    def _plain_line(self) -> None:
        self._last_line = time.perf_counter()
        print(
            f"transcribe: {self.files}/{self.total_files} files, "
            f"{self.seconds:.1f}/{self.total_seconds:.1f} s of audio, {self.failed} failed, "
            f"RTFx {self.rtfx:.1f}",
            file=self.stream,
            flush=True,
        )

    def write(self, message: str) -> None:
        """A line that does not break the bar."""
        if self.bar is not None:
            self.bar.write(message, file=self.stream)
        else:
            print(message, file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
