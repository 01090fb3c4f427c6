"""Warming a decoding model up on a thread while its checkpoints are read."""

import threading

import pytest
import torch

from sigasr.config import load_config
from sigasr.decode.warmup import LONGEST, Warmup, warmup_lengths
from sigasr.model import CTCModel
from tools.tiny_corpus import DEMO_CONFIG, TINY_MODEL

CPU = torch.device("cpu")


@pytest.mark.parametrize(
    "shortest, longest, expected",
    [(2.2, 14.9, [14.9, 7.45, 3.725, 2.2]), (5.0, 5.0, [5.0]), (1.0, 4.0, [4.0, 2.0, 1.0])],
)
def test_lengths_halve_from_the_longest_to_the_shortest(shortest, longest, expected):
    assert warmup_lengths(shortest, longest) == pytest.approx(expected)


def test_lengths_stop_at_the_cap_and_at_a_chunk():
    # an hour-long recording warms up at most LONGEST seconds, not hours
    assert warmup_lengths(1.0, 3600.0)[0] == LONGEST
    # chunks of 10 s with 2 s overlaps: the model never sees more than 10 s
    assert warmup_lengths(40.0, 600.0, chunking=(1000, 200)) == pytest.approx([10.0])
    assert warmup_lengths(3.0, 600.0, chunking=(1000, 200)) == pytest.approx([10.0, 5.0, 3.0])


def tiny_model():
    torch.manual_seed(0)
    return CTCModel(load_config(DEMO_CONFIG, ["model.vocab_size=12", *TINY_MODEL]).model).eval()


def test_warmup_runs_each_length_on_its_own_thread_and_leaves_the_model_as_it_was():
    model = tiny_model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    seen, threads = [], set()

    def record(module, args):
        seen.append((tuple(args[0].shape), torch.is_grad_enabled()))
        threads.add(threading.current_thread().name)

    model.register_forward_pre_hook(record)
    warmup = Warmup(model, CPU, "off", [3.0, 1.5])
    assert warmup.join() > 0
    # two utterances per length, padded to the longer: 100 feature frames per second
    assert [(shape[0], shape[1]) for shape, _ in seen] == [(2, 3 * 100), (2, 150)]
    assert not any(grad for _, grad in seen)
    assert threads == {"sigasr-warmup"}
    assert all(p.grad is None for p in model.parameters())
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key


def test_an_error_in_the_warmup_is_raised_by_join():
    model = tiny_model()

    def fail(module, args):
        raise RuntimeError("out of memory on the warm-up")

    model.register_forward_pre_hook(fail)
    warmup = Warmup(model, CPU, "off", [1.0])
    with pytest.raises(RuntimeError, match="out of memory on the warm-up"):
        warmup.join()
