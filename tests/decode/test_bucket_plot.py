"""The bucket plot's intervals: the bootstrap interval holds the measured WER, narrows as
utterances accumulate, and is zero-width when every utterance has the same error rate."""

from sigasr.decode.buckets_plot import plot_wer_by_bucket
from sigasr.decode.confidence import bootstrap_wer_interval
from sigasr.decode.scoring import score


def scored_set(n: int):
    refs = ["a b c d"] * n
    hyps = ["a b c d" if i % 2 else "a x c" for i in range(n)]  # half: 2 errors in 4 words
    return score([f"u{i}" for i in range(n)], refs, hyps)


def test_interval_holds_the_wer_and_narrows_with_more_utterances():
    few, many = scored_set(8), scored_set(400)
    low, high = bootstrap_wer_interval(few)
    assert low < few.stats.wer < high
    many_low, many_high = bootstrap_wer_interval(many)
    assert many_low < many.stats.wer < many_high
    assert (many_high - many_low) < (high - low) / 4


def test_equal_utterances_give_a_zero_width_interval():
    same = score(["u0", "u1"], ["a b", "a b"], ["a x", "a x"])
    assert bootstrap_wer_interval(same) == (50.0, 50.0)


def test_plot_is_written(tmp_path):
    path = plot_wer_by_bucket(
        {"0-10s": scored_set(7), "10-20s": scored_set(9)}, tmp_path / "p.png", "t"
    )
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
