"""Time from the start of this process: the "first step after X s" log lines."""

from __future__ import annotations

import os
import time

_IMPORTED = time.monotonic()
_REPORTED: set[str] = set()


def seconds_since_start() -> float:
    """Seconds since the process started (Linux: from /proc, 10 ms steps), else since this
    module was imported (which ``sigasr``'s CLI does within its first second).

    A process starts at its fork: a command that a shell execs in place (the last command of
    a ``( ... )`` subshell) also counts what that subshell ran before it.
    """
    try:
        with open("/proc/self/stat") as f:
            # Field 22, after the parenthesised command name: start time in clock ticks.
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _IMPORTED


def report_first(what: str, log=print) -> None:
    """Logs "<what> after X s since process start" the first time this process calls it with
    ``what``; later calls do nothing."""
    if what in _REPORTED:
        return
    _REPORTED.add(what)
    log(f"{what} after {seconds_since_start():.1f} s since process start")
