"""prepare → tokenizer → loaders on the demo corpus, through the CLI and the shared interfaces."""

import json
import warnings

from lhotse import CutSet

from sigasr.cli import main
from sigasr.config import load_config
from sigasr.data.buckets import BUCKETS
from sigasr.data.corpora import cuts_path
from sigasr.data.loaders import eval_dataloader, train_dataloader
from sigasr.data.tedlium import tedlium_set_name
from sigasr.data.tokenizer import Tokenizer


def test_prepare_tokenize_and_load(demo_root, tmp_path):
    manifests, lang = tmp_path / "manifests", tmp_path / "lang_bpe_60"
    assert (
        main(
            [
                "prepare",
                "librispeech",
                "--corpus-dir",
                str(demo_root / "LibriSpeech"),
                "--manifest-dir",
                str(manifests),
                "--feature-dir",
                str(tmp_path / "fbank"),
                "--parts",
                "dev-clean",
                "test-other",
            ]
        )
        == 0
    )
    summary = json.loads((manifests / "librispeech_prepare_summary.json").read_text())
    assert all(s["in"] == s["kept"] > 0 for s in summary)
    assert (
        main(
            [
                "prepare",
                "tokenizer",
                "--manifest-dir",
                str(manifests),
                "--lang-dir",
                str(lang),
                "--vocab-size",
                "60",
                "--train-sets",
                "dev-clean",
            ]
        )
        == 0
    )
    tok = Tokenizer(lang)
    assert tok.blank_id == 0 and tok.vocab_size == 61
    ids = tok.encode("HELLO WORLD")
    assert min(ids) >= 1 and tok.decode(ids) == "HELLO WORLD"

    cfg = load_config(
        overrides=[
            f"data.manifest_dir={manifests}",
            "data.train_sets=[dev-clean]",
            "data.max_duration=30",
            "data.num_workers=0",
        ]
    ).data
    loader, sampler = train_dataloader(cfg, tok, lambda n: n // 4, world_size=1, rank=0)
    batches = list(loader)
    n_train = sum(len(b["cut_ids"]) for b in batches)
    assert n_train == sampler.drop_report.kept > 0
    assert all(cuts.is_lazy for cuts in sampler.cuts)  # streamed from the manifest, not held
    b = batches[0]
    assert b["features"].shape[0] == len(b["tokens"]) == b["feature_lens"].shape[0]
    assert b["features"].shape[2] == 80 and b["feature_lens"].max() == b["features"].shape[1]

    cfg.drop_last, cfg.num_buckets = True, 2  # each bucket's short last batch goes
    loader, _ = train_dataloader(cfg, tok, lambda n: n // 4, world_size=1, rank=0)
    assert 0 < sum(len(b["cut_ids"]) for b in loader) < n_train
    cfg.drop_last = None

    cfg.num_buckets = 1  # one bucket: no NumPy warning from lhotse's empty list of bins
    loader, _ = train_dataloader(cfg, tok, lambda n: n // 4, world_size=1, rank=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert sum(len(b["cut_ids"]) for b in loader) == n_train

    cfg.num_buckets = 10 * n_train  # more buckets than cuts: clamped, not an error
    loader, _ = train_dataloader(cfg, tok, lambda n: n // 4, world_size=1, rank=0)
    assert sum(len(b["cut_ids"]) for b in loader) == n_train

    cuts = CutSet.from_file(cuts_path(manifests, "test-other"))
    order = [cid for b in eval_dataloader(cfg, cuts, 30) for cid in b["cut_ids"]]
    assert sorted(order) == sorted(cuts.ids)
    assert order == [cid for b in eval_dataloader(cfg, cuts, 30) for cid in b["cut_ids"]]


def test_prepare_tedlium_buckets(demo_root, tmp_path):
    manifests = tmp_path / "manifests"
    assert (
        main(
            [
                "prepare",
                "tedlium",
                "--corpus-dir",
                str(demo_root / "TEDLIUM_release-3"),
                "--manifest-dir",
                str(manifests),
                "--on-the-fly",
            ]
        )
        == 0
    )
    for bucket, (low, high) in BUCKETS.items():
        cuts = CutSet.from_file(cuts_path(manifests, tedlium_set_name(bucket)))
        assert len(cuts) > 0
        assert all(low <= c.duration < high for c in cuts)
        assert all(
            t == t.upper() and "<UNK>" not in t for c in cuts for t in [c.supervisions[0].text]
        )
    summary = json.loads((manifests / "tedlium_prepare_summary.json").read_text())
    assert summary[0]["skipped"]["ignore_time_segment_in_scoring"] > 0
