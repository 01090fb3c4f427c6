"""Progress without a terminal: plain lines with files, audio seconds, failures and RTFx."""

import io
import re

from sigasr.transcribe import progress as progress_module
from sigasr.transcribe.progress import TranscribeProgress


def test_plain_lines_when_not_a_terminal(monkeypatch):
    monkeypatch.setattr(progress_module, "PLAIN_EVERY", 0.0)
    stream = io.StringIO()
    progress = TranscribeProgress(total_seconds=30.0, total_files=3, stream=stream)
    progress.update(2, 20.0, failed=0)
    progress.write("sigasr transcribe: error: x.wav: damaged")
    progress.update(1, 0.0, failed=1)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()
    assert re.fullmatch(
        r"transcribe: 2/3 files, 20.0/30.0 s of audio, 0 failed, RTFx [\d.]+", lines[0]
    )
    assert lines[1] == "sigasr transcribe: error: x.wav: damaged"
    assert lines[2].startswith("transcribe: 3/3 files, 20.0/30.0 s of audio, 1 failed")
