"""Progress that suits where it goes: redrawn bars on a terminal, plain lines in a log file.

tqdm redraws a bar in place with carriage returns and cursor codes; redirected to a file
those become one long line of control characters. When stderr is not a terminal,
:func:`plain_progress_when_redirected` wraps it in :class:`PlainLines`, which writes the
redraws of every tqdm bar (sigasr's and those of lhotse) as whole lines, at most one every
:data:`PLAIN_INTERVAL_S` seconds, and each bar's final state.
"""

from __future__ import annotations

import re
import sys
import time

PLAIN_INTERVAL_S = 30.0
_CURSOR_CODES = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class PlainLines:
    """A text stream over ``stream`` that writes what a terminal would show, line by line.

    Text ended by a newline is written as it is. Text that a carriage return would overwrite
    (a redraw) is written as a line at most once every ``interval_s`` seconds, else dropped;
    cursor movement codes are dropped. Other attributes (``fileno``, ``encoding``) are
    ``stream``'s.
    """

    def __init__(self, stream, interval_s: float = PLAIN_INTERVAL_S):
        self._stream = stream
        self._interval_s = interval_s
        self._pending = ""
        self._last_redraw = -float("inf")

    def write(self, text: str) -> int:
        for part in re.split(r"(\r|\n)", _CURSOR_CODES.sub("", text)):
            if part == "\n":
                self._stream.write(self._pending.rstrip() + "\n")
                self._pending = ""
            elif part == "\r":
                self._redraw()
                self._pending = ""
            else:
                self._pending += part
        return len(text)

    def flush(self) -> None:
        self._redraw()
        self._stream.flush()

    def isatty(self) -> bool:
        return False

    def _redraw(self) -> None:
        """Writes the pending text as a line if it is time for one; keeps it pending if not."""
        now = time.monotonic()
        if self._pending.strip() and now - self._last_redraw >= self._interval_s:
            self._stream.write(self._pending.rstrip() + "\n")
            self._pending = ""
            self._last_redraw = now

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def interactive() -> bool:
    """Whether stderr, where progress goes, is a terminal."""
    return sys.stderr.isatty()


def plain_progress_when_redirected() -> None:
    """Wraps stderr in :class:`PlainLines` when it is not a terminal."""
    if not interactive() and not isinstance(sys.stderr, PlainLines):
        sys.stderr = PlainLines(sys.stderr)
