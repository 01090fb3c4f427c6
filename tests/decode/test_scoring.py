"""WER scoring: the icefall line and the three result files, against hand-counted errors."""

from sigasr.decode.scoring import model_tag, newest_results, score, wer_line, write_results

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
    written = write_results(tmp_path, "test-clean", score(IDS, REFS, HYPS), "step-9-avg-3")
    names = sorted(p.name for p in written)
    assert names == [
        "errs-test-clean-step-9-avg-3.txt",
        "recogs-test-clean-step-9-avg-3.txt",
        "wer-summary-test-clean-step-9-avg-3.txt",
    ]
    summary = (tmp_path / "wer-summary-test-clean-step-9-avg-3.txt").read_text()
    assert summary == "[test-clean] %WER 54.55% [6 / 11, 1 ins, 4 del, 1 sub ]\n"
    errs = (tmp_path / "errs-test-clean-step-9-avg-3.txt").read_text()
    assert "u1:\tTHE (CAT->BAT) SAT (ON->*) THE MAT (*->TODAY)" in errs
    assert "u3:\t(A->*) (B->*) (C->*)" in errs
    assert "1   CAT -> BAT" in errs.split("SUBSTITUTIONS:")[1]
    assert "1   ON" in errs.split("DELETIONS:")[1].split("INSERTIONS:")[0]
    assert "1   TODAY" in errs.split("INSERTIONS:")[1]
    recogs = (tmp_path / "recogs-test-clean-step-9-avg-3.txt").read_text().splitlines()
    assert recogs[:2] == ["u1:\tref=THE CAT SAT ON THE MAT", "u1:\thyp=THE BAT SAT THE MAT TODAY"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]


def test_newest_results_per_set(tmp_path):
    """Sets whose names hold dashes and digits; the newest step wins, then the larger avg."""
    scored = score(IDS, REFS, HYPS)
    for name, step, avg in [
        ("test-clean", 9, 3), ("test-clean", 12, 1), ("test-clean", 12, 2),
        ("tedlium-10-20s", 12, 3), ("tedlium-10-20s", 4, 9),
    ]:  # fmt: skip
        write_results(tmp_path, name, scored, model_tag(step, avg))
    newest = newest_results(tmp_path, "wer-summary")
    assert {k: v.name for k, v in newest.items()} == {
        "tedlium-10-20s": "wer-summary-tedlium-10-20s-step-12-avg-3.txt",
        "test-clean": "wer-summary-test-clean-step-12-avg-2.txt",
    }
    assert newest_results(tmp_path, "recogs")["test-clean"].name == (
        "recogs-test-clean-step-12-avg-2.txt"
    )
