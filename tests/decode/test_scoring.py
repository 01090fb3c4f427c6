"""WER scoring: the icefall line and the three result files, against hand-counted errors."""

from sigasr.decode.scoring import score, wer_line, write_results

IDS = ["u1", "u2", "u3"]
REFS = ["the cat sat on the mat", "hello world", "a b c"]
HYPS = ["the bat sat the mat today", "hello world", ""]
# u1: cat->bat (sub), on deleted, today inserted; u2 correct; u3: a, b, c deleted.


def test_counts_and_line():
    stats = score(IDS, REFS, HYPS).stats
    assert (stats.substitutions, stats.deletions, stats.insertions) == (1, 4, 1)
    assert stats.ref_words == 11
    assert (
        wer_line("test-clean", stats) == "[test-clean] %WER 54.55% [6 / 11, 1 ins, 4 del, 1 sub ]"
    )


def test_files(tmp_path):
    written = write_results(tmp_path, "test-clean", score(IDS, REFS, HYPS))
    names = sorted(p.name for p in written)
    assert names == ["errs-test-clean.txt", "recogs-test-clean.txt", "wer-summary-test-clean.txt"]
    summary = (tmp_path / "wer-summary-test-clean.txt").read_text()
    assert summary == "[test-clean] %WER 54.55% [6 / 11, 1 ins, 4 del, 1 sub ]\n"
    errs = (tmp_path / "errs-test-clean.txt").read_text()
    assert "u1:\tTHE (CAT->BAT) SAT (ON->*) THE MAT (*->TODAY)" in errs
    assert "u3:\t(A->*) (B->*) (C->*)" in errs
    assert "1   CAT -> BAT" in errs.split("SUBSTITUTIONS:")[1]
    assert "1   ON" in errs.split("DELETIONS:")[1].split("INSERTIONS:")[0]
    assert "1   TODAY" in errs.split("INSERTIONS:")[1]
    recogs = (tmp_path / "recogs-test-clean.txt").read_text().splitlines()
    assert recogs[:2] == ["u1:\tref=THE CAT SAT ON THE MAT", "u1:\thyp=THE BAT SAT THE MAT TODAY"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
