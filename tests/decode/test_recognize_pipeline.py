"""recognize's one-batch-deep pipeline: the results of decoding each batch on its own, in the
loader's order, and a time summary that tells device from host phases."""

import re

import pytest
import torch

from sigasr.config import load_config
from sigasr.ctc import ctc_loss, greedy_ctc
from sigasr.data.corpora import load_set
from sigasr.data.features import BatchFbank
from sigasr.data.loaders import eval_dataloader
from sigasr.data.tokenizer import Tokenizer
from sigasr.decode.recognize import recognize
from sigasr.model import CTCModel
from tools.tiny_corpus import DEMO_CONFIG, TINY_MODEL

CPU = torch.device("cpu")

SUMMARY = re.compile(
    r"^wall \d+\.\d\d s; CPU device: features \d+\.\d\d s, forward \d+\.\d\d s, "
    r"loss \d+\.\d\d s, search \d+\.\d\d s, copy to host \d+\.\d\d s \(\d+ % of wall\); "
    r"host: loader wait \d+\.\d\d s, search \d+\.\d\d s$"
)


@pytest.fixture(scope="module")
def tokenizer(corpus):
    return Tokenizer(corpus / "data/lang")


@pytest.fixture(scope="module")
def model(tokenizer):
    torch.manual_seed(0)
    cfg = load_config(DEMO_CONFIG, [f"model.vocab_size={tokenizer.vocab_size}", *TINY_MODEL])
    return CTCModel(cfg.model).eval()


@pytest.fixture(scope="module")
def batches(corpus):
    """test-clean as a list of audio batches of at most 6 s, several of them."""
    cfg = load_config(DEMO_CONFIG, [f"data.manifest_dir={corpus / 'data/manifests'}"])
    cuts = load_set(cfg.data.manifest_dir, "test-clean")
    batches = list(eval_dataloader(cfg.data, cuts, max_duration=6, audio=True))
    assert len(batches) >= 3
    return batches


@torch.no_grad()
def one_by_one(model, batches, tokenizer):
    """(hyps, emissions, loss sum, loss tokens) of each batch decoded on its own, greedily."""
    fbank = BatchFbank(CPU)
    hyps, emissions, loss_sum, loss_tokens = [], [], 0.0, 0
    for batch in batches:
        log_probs, out_lens = model(*fbank(batch["audio"], batch["audio_lens"]))
        hyps += [tokenizer.decode(ids) for ids in greedy_ctc(log_probs, out_lens)]
        emissions.append((log_probs, out_lens))
        loss, n = ctc_loss(log_probs, out_lens, [tokenizer.encode(t) for t in batch["texts"]])
        if torch.isfinite(loss):
            loss_sum, loss_tokens = loss_sum + float(loss), loss_tokens + n
    return hyps, emissions, loss_sum, loss_tokens


def test_greedy_pipeline_equals_each_batch_on_its_own(model, batches, tokenizer):
    hyps, emissions, loss_sum, loss_tokens = one_by_one(model, batches, tokenizer)
    assert any(hyps) and loss_tokens > 0  # the comparison below sees tokens and a loss

    rec = recognize(model, batches, tokenizer, CPU, with_loss=True, keep_emissions=True,
                    show_progress=False)  # fmt: skip
    assert rec.hyps == hyps
    assert rec.refs == [text for batch in batches for text in batch["texts"]]
    assert rec.cut_ids == [cut_id for batch in batches for cut_id in batch["cut_ids"]]
    assert rec.audio_seconds == sum(sum(batch["durations"]) for batch in batches)
    assert (rec.loss_sum, rec.loss_tokens) == (loss_sum, loss_tokens)
    assert len(rec.emissions) == len(emissions)
    for (log_probs, lens), (expected, expected_lens) in zip(rec.emissions, emissions, strict=True):
        assert log_probs.device == CPU and log_probs.dtype == torch.float32
        assert torch.equal(log_probs, expected) and torch.equal(lens, expected_lens)


def test_other_decoders_get_cpu_float32_one_batch_behind_the_model(model, batches, tokenizer):
    calls = []

    class Recorded(torch.nn.Module):
        def forward(self, features, feature_lens):
            calls.append("forward")
            return model(features, feature_lens)

    def decoder(log_probs, lengths):
        assert log_probs.device == CPU and log_probs.dtype == torch.float32
        assert lengths.device == CPU and lengths.shape == log_probs.shape[:1]
        calls.append("search")
        return greedy_ctc(log_probs, lengths)

    rec = recognize(Recorded(), batches, tokenizer, CPU, decoder=decoder, show_progress=False)
    assert rec.hyps == one_by_one(model, batches, tokenizer)[0]
    assert rec.cut_ids == [cut_id for batch in batches for cut_id in batch["cut_ids"]]
    # batch i's forward is queued before batch i-1 is searched; the last is searched at the end
    assert calls == ["forward"] + ["forward", "search"] * (len(batches) - 1) + ["search"]


def test_time_summary_names_the_wall_device_and_host_phases(model, batches, tokenizer):
    rec = recognize(model, batches, tokenizer, CPU, with_loss=True, show_progress=False)
    summary = rec.times.summary(rec.wall_seconds)
    assert SUMMARY.match(summary), summary
    device = rec.times.gpu_seconds()
    assert set(device) == {"features", "forward", "loss", "search", "copy to host"}
    assert set(rec.times.host_seconds) == {"loader wait", "search"}
    assert 0 < sum(device.values()) + sum(rec.times.host_seconds.values()) <= rec.wall_seconds
    assert rec.rtfx == rec.audio_seconds / rec.wall_seconds
