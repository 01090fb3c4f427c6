"""A newcomer's first commands: --version, the real tokenizer size, and progress that stays
plain lines when stderr is redirected to a file."""

import io
import subprocess
import sys

import pytest
from tqdm import tqdm

import sigasr
from sigasr.cli import main
from sigasr.progress import PlainLines
from tools.tiny_corpus import DEMO_CONFIG, ROOT, tiny_corpus


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    return tiny_corpus(tmp_path_factory.getbasetemp())


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"sigasr {sigasr.__version__}"


def test_tokenizer_prints_the_pieces_it_has(corpus, tmp_path, capsys):
    lang = tmp_path / "lang"
    args = ["prepare", "tokenizer", "--config", str(DEMO_CONFIG), "--manifest-dir",
            str(corpus / "data/manifests"), "--lang-dir", str(lang), "--type", "char",
            "--vocab-size", "40"]  # fmt: skip
    assert main(args) == 0
    tokens = len((lang / "tokens.txt").read_text().splitlines())  # the blank included
    assert tokens < 41  # the tiny corpus has fewer characters than asked for
    out = capsys.readouterr().out
    assert f"char with {tokens - 1} pieces (asked for 40" in out
    assert f"{tokens} tokens" in out


def test_plain_lines_keep_each_bar_final_state_and_drop_redraws():
    sink = io.StringIO()
    stream = PlainLines(sink, interval_s=3600)
    for _ in tqdm(range(5000), file=stream, mininterval=0, desc="decode"):
        pass
    print("a message", file=stream)
    text = sink.getvalue()
    assert "\r" not in text and "\x1b" not in text
    lines = text.splitlines()
    assert len(lines) == 3, lines  # the first draw, the final state, the message
    assert "5000/5000" in lines[1] and lines[2] == "a message"


def test_a_redirected_stderr_gets_plain_progress_lines():
    script = (
        "from sigasr.progress import plain_progress_when_redirected\n"
        "plain_progress_when_redirected()\n"
        "from tqdm.auto import tqdm\n"  # as lhotse imports it
        "for _ in tqdm(range(200000), mininterval=0): pass\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "\r" not in proc.stderr
    assert len(proc.stderr) < 1000, len(proc.stderr)
    assert "200000/200000" in proc.stderr.splitlines()[-1]
