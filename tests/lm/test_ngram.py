"""`sigasr prepare ngram`: a modified Kneser-Ney ARPA LM of the demo's training transcripts,
estimated by KenLM's lmplz; the ARPA reader checks it and refuses other files."""

import gzip
import math
import re

import pytest

from sigasr.cli import main
from sigasr.data.corpora import load_set
from sigasr.errors import LMError
from sigasr.lm.arpa import ngram_counts, unigrams
from tools.tiny_corpus import DEMO_CONFIG


def sections(path):
    """Order -> list of (log10 prob, words, backoff or None) of an ARPA file, parsed here."""
    out, order = {}, None
    for line in path.read_text().splitlines():
        if m := re.match(r"^\\(\d)-grams:$", line):
            order = int(m.group(1))
            out[order] = []
        elif line == "\\end\\":
            order = None
        elif order and line.strip():
            fields = line.split("\t")
            backoff = float(fields[2]) if len(fields) > 2 else None
            out[order].append((float(fields[0]), fields[1].split(), backoff))
    return out


@pytest.mark.parametrize("order", [2, 3])
def test_ngram_of_demo_transcripts_is_a_valid_arpa(corpus, kenlm, tmp_path, capsys, order):
    arpa = tmp_path / "lm.arpa"
    args = ["prepare", "ngram", "--config", str(DEMO_CONFIG), "--manifest-dir",
            str(corpus / "data/manifests"), "--order", str(order), "--out", str(arpa)]  # fmt: skip
    assert main(args) == 0
    assert f"order {order}" in capsys.readouterr().out

    counts = ngram_counts(arpa)
    assert sorted(counts) == list(range(1, order + 1))
    parsed = sections(arpa)
    assert {n: len(v) for n, v in parsed.items()} == counts
    for n, entries in parsed.items():
        assert all(len(words) == n for _, words, _ in entries)
        assert all(logp <= 0 for logp, _, _ in entries)
    # Kneser-Ney: the unigram distribution sums to 1 (<s> carries probability 0 = log10 1 by
    # convention and is left out of the sum).
    total = sum(10**logp for logp, words, _ in parsed[1] if words != ["<s>"])
    assert math.isclose(total, 1.0, rel_tol=1e-3)

    cuts = load_set(corpus / "data/manifests", "train-clean-100")
    assert set(unigrams(arpa)) == {w for c in cuts for s in c.supervisions for w in s.text.split()}


def test_arpa_reader_names_bad_files(tmp_path):
    bad = tmp_path / "not.arpa"
    bad.write_text("hello world\n")
    with pytest.raises(LMError, match="not an ARPA file"):
        ngram_counts(bad)
    with pytest.raises(LMError, match="no such ARPA file"):
        ngram_counts(tmp_path / "missing.arpa")
    gz = tmp_path / "lm.arpa.gz"
    with gzip.open(gz, "wt") as f:
        f.write("\\data\\\nngram 1=2\n\n\\1-grams:\n-0.3\tA\n-0.3\t</s>\n\n\\end\\\n")
    assert ngram_counts(gz) == {1: 2}
    assert list(unigrams(gz)) == ["A"]


def test_ngram_without_text_is_an_error(corpus, kenlm, tmp_path, capsys):
    args = ["prepare", "ngram", "--config", str(DEMO_CONFIG), "--manifest-dir",
            str(corpus / "data/manifests"), "--train-sets", "no-such-set", "--out", str(tmp_path / "x.arpa")]  # fmt: skip
    assert main(args) == 1
    assert "no-such-set" in capsys.readouterr().err
