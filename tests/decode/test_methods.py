"""The decode-method table: one row makes a method available to decode and transcribe."""

import pytest
import torch

from sigasr.cli import build_parser
from sigasr.ctc import greedy_ctc
from sigasr.decode import methods
from sigasr.errors import UsageError


def test_greedy_is_the_default_and_unknown_names_fail():
    assert methods.build_decoder(methods.DEFAULT_METHOD, tokenizer=None) is greedy_ctc
    with pytest.raises(UsageError, match="unknown decode method 'nope'.*greedy"):
        methods.build_decoder("nope", tokenizer=None)


def test_a_new_row_reaches_both_commands_with_its_options(monkeypatch):
    def add_arguments(group):
        group.add_argument("--keep-last", type=int, default=1)

    def build(options, tokenizer):
        def last_tokens(log_probs, lengths):
            return [ids[-options.keep_last :] for ids in greedy_ctc(log_probs, lengths)]

        return last_tokens

    row = methods.DecodeMethod("the last tokens of the best path", build, add_arguments)
    monkeypatch.setitem(methods.METHODS, "last", row)
    for command in (["decode", "--exp-dir", "e"], ["transcribe", "--model", "m", "a.wav"]):
        args = build_parser().parse_args([*command, "--method", "last", "--keep-last", "2"])
        decoder = methods.build_decoder(args.method, None, args)
        log_probs = torch.full((1, 4, 5), -9.0)
        log_probs[0, torch.arange(4), torch.tensor([1, 2, 3, 4])] = 0.0
        assert decoder(log_probs, torch.tensor([4])) == [[3, 4]]
    assert methods.build_decoder("last", None)(log_probs, torch.tensor([4])) == [[4]]
