"""Word timings: confidences from the aligned frame posteriors, no empty words."""

import math

import torch

from sigasr.transcribe.timestamps import word_timings

SPELL = {1: "\u2581", 2: "A", 3: "B"}  # piece per id; 1 starts a word


def _decode(ids):
    return "".join(SPELL[i] for i in ids).replace("\u2581", " ")


def _posteriors(frames: list[dict[int, float]], vocab: int = 4) -> torch.Tensor:
    """(T, V) log-probabilities with the given mass on the named tokens, the rest on blank."""
    probs = torch.zeros(len(frames), vocab)
    for t, mass in enumerate(frames):
        for token, p in mass.items():
            probs[t, token] = p
        probs[t, 0] = 1.0 - sum(mass.values())
    return probs.clamp_min(1e-6).log()


def test_word_confidence_is_the_least_token_mean():
    # frames: ▁ A A . ▁ B ; tokens [▁, A, ▁, B] -> words "A" and "B"
    lp = _posteriors([{1: 0.9}, {2: 0.6}, {2: 0.8}, {}, {1: 0.95}, {3: 0.5}])
    words = word_timings(lp, [1, 2, 1, 3], 0.04, lambda t: t == 1, _decode)
    assert [w.word for w in words] == ["A", "B"]
    assert math.isclose(words[0].confidence, 0.7, abs_tol=1e-3)  # min(0.9, mean(0.6, 0.8))
    assert math.isclose(words[1].confidence, 0.5, abs_tol=1e-3)
    assert words[0].start == 0.0 and words[0].end == 0.12 and words[1].end == 0.24


def test_a_lone_word_boundary_is_no_word():
    lp = _posteriors([{2: 0.9}, {}, {1: 0.9}, {}])
    words = word_timings(lp, [2, 1], 0.04, lambda t: t == 1, _decode)
    assert [w.word for w in words] == ["A"]
    assert word_timings(lp, [], 0.04, lambda t: t == 1, _decode) == []
