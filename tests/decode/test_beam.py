"""Beam search through flashlight-text: it sums the paths greedy decoding keeps apart, and with
a word LM it turns noisy per-frame scores into the words of the lexicon."""

import argparse
import os
import signal

import numpy as np
import pytest
import torch

from sigasr.cli import main
from sigasr.config import load_config
from sigasr.ctc import greedy_ctc
from sigasr.data.corpora import load_set
from sigasr.data.tokenizer import Tokenizer
from sigasr.decode.beam import BeamOptions, CTCBeamSearch
from sigasr.decode.beam_methods import search_jobs
from sigasr.decode.beam_pool import ForkPool
from sigasr.decode.methods import build_decoder
from sigasr.decode.scoring import score
from sigasr.errors import ConfigError, LMError, UsageError
from sigasr.lm.arpa import unigrams
from sigasr.lm.lexicon import write_lexicon
from tools.tiny_corpus import DEMO_CONFIG


def test_beam_finds_the_likelier_labelling_that_best_path_misses(corpus):
    tok = Tokenizer(corpus / "data/lang")
    a = tok.encode("A")[-1]
    # Two frames, P(blank) = 0.6, P(A) = 0.4 each: best path is blank-blank ("", p = 0.36),
    # but the paths A-blank, blank-A and A-A together give "A" p = 0.64.
    probs = torch.full((1, 2, tok.vocab_size), 1e-6)
    probs[0, :, 0], probs[0, :, a] = 0.6, 0.4
    log_probs, lengths = probs.log(), torch.tensor([2])
    assert greedy_ctc(log_probs, lengths) == [[]]
    assert CTCBeamSearch(tok, BeamOptions())(log_probs, lengths) == [[a]]


def noisy_emissions(tok: Tokenizer, texts: list[str], seed: int = 0):
    """A stand-in acoustic model: two frames per token of each text and a blank frame after
    it; in 30 % of the tokens another letter outscores the right one on both frames."""
    g = torch.Generator().manual_seed(seed)
    letters = [i for i, p in enumerate(tok.pieces()) if len(p) == 1 and p.isalpha()]
    seqs = []
    for text in texts:
        frames = []
        for token in tok.encode(text):
            wrong = letters[int(torch.randint(len(letters), (1,), generator=g))]
            confused = bool(torch.rand(1, generator=g) < 0.3)
            for _ in range(2):
                logits = 0.5 * torch.randn(tok.vocab_size, generator=g)
                logits[token] += 3.0
                logits[wrong] += 3.5 if confused else 0.0
                frames.append(logits)
            blank = 0.5 * torch.randn(tok.vocab_size, generator=g)
            blank[0] += 4.0
            frames.append(blank)
        seqs.append(torch.stack(frames).log_softmax(-1))
    lengths = torch.tensor([len(s) for s in seqs])
    log_probs = torch.full((len(seqs), int(lengths.max()), tok.vocab_size), -30.0)
    for i, s in enumerate(seqs):
        log_probs[i, : len(s)] = s
    return log_probs, lengths


def test_word_lm_corrects_what_greedy_and_beam_get_wrong(corpus, kenlm, tmp_path):
    manifests = corpus / "data/manifests"
    arpa = tmp_path / "lm.arpa"
    args = ["prepare", "ngram", "--config", str(DEMO_CONFIG), "--manifest-dir", str(manifests),
            "--order", "3", "--out", str(arpa)]  # fmt: skip
    assert main(args) == 0
    tok = Tokenizer(corpus / "data/lang")
    lexicon = tmp_path / "lexicon.txt"
    assert write_lexicon(unigrams(arpa), tok, lexicon).words > 0
    cuts = list(load_set(manifests, "test-clean"))[:30]
    refs = [c.supervisions[0].text for c in cuts]
    ids = [c.id for c in cuts]
    log_probs, lengths = noisy_emissions(tok, refs)

    def wer(search):
        hyps = [tok.decode(h) for h in search(log_probs, lengths)]
        return score(ids, refs, hyps).stats.wer

    greedy = wer(greedy_ctc)
    beam = wer(CTCBeamSearch(tok, BeamOptions(beam=20, beam_threshold=15)))
    with_lm_options = BeamOptions(20, 15, lm_weight=1.0, word_score=0.0)
    with_lm = wer(CTCBeamSearch(tok, with_lm_options, arpa, lexicon))
    assert greedy > 40  # the confusions hurt
    assert beam <= greedy
    assert with_lm < greedy / 2

    # Two processes find what one does, in the same order, with and without the LM.
    for lm, lex, options in ((None, None, BeamOptions(20, 15)), (arpa, lexicon, with_lm_options)):
        serial = CTCBeamSearch(tok, options, lm, lex)(log_probs, lengths)
        with CTCBeamSearch(tok, options, lm, lex, jobs=2) as pooled:
            assert pooled(log_probs, lengths) == serial
            halves = [(log_probs[:10], lengths[:10]), (log_probs[10:], lengths[10:])]
            assert pooled.decode_all(halves) == serial


def test_lexicon_leaves_out_words_the_tokens_cannot_spell(corpus, tmp_path):
    tok = Tokenizer(corpus / "data/lang")
    report = write_lexicon(["HELLO", "HELLO", "CAFÉ", "WORLD"], tok, tmp_path / "lex.txt")
    assert report.words == 2
    assert report.unspellable == ["CAFÉ"]
    assert "1 left out" in report.line()
    lines = (tmp_path / "lex.txt").read_text().splitlines()
    assert lines == ["HELLO ▁ H E L L O", "WORLD ▁ W O R L D"]


def test_methods_table_builds_the_beam_rows_and_names_what_beam_lm_lacks(corpus, tmp_path):
    tok = Tokenizer(corpus / "data/lang")
    assert isinstance(build_decoder("beam", tok), CTCBeamSearch)
    with pytest.raises(LMError, match="set 'decode.lm' or give --lm"):
        build_decoder("beam-lm", tok)
    arpa = tmp_path / "lm.arpa"
    arpa.write_text("\\data\\\nngram 1=2\n\n\\1-grams:\n-0.3\tA\n-0.3\t</s>\n\n\\end\\\n")
    options = argparse.Namespace(lm=str(arpa), lexicon=None, lm_weight=None, word_score=None,
                                 lm_tuning=None)  # fmt: skip
    with pytest.raises(LMError, match="needs --lm-weight and --word-score, or --lm-tuning"):
        build_decoder("beam-lm", tok, options)


def frames_or_die(emissions: np.ndarray) -> list[int]:
    """A stand-in search: the frame count, or the process dies on a negative first value."""
    if emissions[0, 0] < 0:
        os.kill(os.getpid(), signal.SIGKILL)
    return [len(emissions)]


def test_a_dead_search_process_is_an_error_and_the_pool_starts_again():
    ok, deadly = np.zeros((3, 2), np.float32), np.full((5, 2), -1.0, np.float32)
    with ForkPool(frames_or_die, jobs=2) as pool:
        assert pool.map([ok, ok[:1], ok[:2]]) == [[3], [1], [2]]
        with pytest.raises(RuntimeError, match="beam-search worker process died"):
            pool.map([ok, deadly])
        assert pool.map([ok, ok[:1]]) == [[3], [1]]


def test_search_jobs_is_checked_and_filled_from_the_config(corpus):
    with pytest.raises(ConfigError, match="decode.search_jobs"):
        load_config(overrides=["decode.search_jobs=-1"])
    with pytest.raises(UsageError, match="--search-jobs"):
        search_jobs(-2)
    assert search_jobs(0) == len(os.sched_getaffinity(0))
    assert search_jobs(3) == 3
    tok = Tokenizer(corpus / "data/lang")
    options = argparse.Namespace(search_jobs=2)
    with build_decoder("beam", tok, options) as search:
        assert search.jobs == 2
