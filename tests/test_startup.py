"""The "first ... after X s since process start" log lines."""

import subprocess
import sys

from sigasr import startup

_CHILD = """
import time
time.sleep(0.5)
from sigasr.startup import report_first
report_first("first thing")
report_first("first thing")
"""


def test_counts_from_process_start_not_from_import():
    """The child sleeps before importing sigasr.startup: the time before counts too."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD], capture_output=True, text=True, check=True
    ).stdout
    (line,) = out.splitlines()  # reported once
    seconds = float(line.split(" after ")[1].split(" s ")[0])
    assert line.startswith("first thing after ") and 0.5 <= seconds < 30


def test_each_event_is_reported_once(monkeypatch):
    monkeypatch.setattr(startup, "_REPORTED", set())
    lines = []
    for what in ("first step", "first batch", "first step"):
        startup.report_first(what, lines.append)
    assert [line.split(" after ")[0] for line in lines] == ["first step", "first batch"]
