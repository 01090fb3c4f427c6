"""Greedy CTC decoding."""

import torch

from sigasr.ctc import greedy_ctc


def one_hot_log_probs(paths: list[list[int]], vocab: int = 5) -> torch.Tensor:
    t = max(map(len, paths))
    x = torch.full((len(paths), t, vocab), -10.0)
    for b, path in enumerate(paths):
        for i, tok in enumerate(path):
            x[b, i, tok] = 0.0
    return x


def test_merges_repeats_drops_blanks_and_respects_lengths():
    lp = one_hot_log_probs([[1, 1, 0, 1, 2, 2, 0, 0, 3], [0, 4, 4, 4, 0, 4, 2, 2, 2]])
    out = greedy_ctc(lp, torch.tensor([9, 6]))
    assert out == [[1, 1, 2, 3], [4, 4]]


def test_all_blank_gives_empty():
    assert greedy_ctc(one_hot_log_probs([[0, 0, 0]]), torch.tensor([3])) == [[]]
