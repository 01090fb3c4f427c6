"""Training augmentation: each kind changes the training batches as its config keys say, and
dev/test batches never change."""

import gzip
import json

import pytest
import torch
from lhotse import CutSet
from torch.utils.data import DataLoader

from sigasr.cli import main
from sigasr.config import load_config
from sigasr.data import augment
from sigasr.data.corpora import cuts_path, load_set
from sigasr.data.dataset import AsrDataset
from sigasr.data.demo.corpus import write_demo_corpus
from sigasr.data.loaders import eval_dataloader, own_noise_stream, train_dataloader
from sigasr.data.musan import musan_manifest, read_noise_cuts
from sigasr.data.tokenizer import Tokenizer
from sigasr.errors import ManifestError
from tools.tiny_corpus import DEMO_CONFIG

SP_SUFFIXES = ("_sp0.9", "_sp1.1")


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """A demo corpus with speed-perturbed training fbank, clean dev fbank, MUSAN noise cuts."""
    root = tmp_path_factory.mktemp("augment")
    corpus = root / "corpus"
    write_demo_corpus(corpus, 0.01, 5, 60, eval_minutes=0.3, musan_minutes=1.0, num_jobs=1)
    manifests, fbank = root / "manifests", root / "fbank"
    steps = [
        ["librispeech", "--corpus-dir", str(corpus / "LibriSpeech"), "--parts", "train-clean-100",
         "dev-clean", "--manifest-dir", str(manifests), "--feature-dir", str(fbank),
         "--speed-perturb"],
        ["musan", "--corpus-dir", str(corpus / "musan"), "--parts", "music", "noise",
         "--manifest-dir", str(manifests), "--feature-dir", str(fbank)],
        ["tokenizer", "--manifest-dir", str(manifests), "--lang-dir", str(root / "lang"),
         "--type", "char", "--vocab-size", "40"],
    ]  # fmt: skip
    for step in steps:
        assert main(["prepare", *step]) == 0, step
    return root


def config(root, *overrides):
    return load_config(
        DEMO_CONFIG,
        [
            f"data.manifest_dir={root / 'manifests'}",
            f"data.lang_dir={root / 'lang'}",
            "data.min_utt_duration=0",
            "data.num_buckets=2",
            "data.max_duration=30",
            *overrides,
        ],
    )


def train_cut_ids(cfg, root) -> list[str]:
    _, sampler = train_dataloader(cfg.data, Tokenizer(root / "lang"), lambda n: n // 4)
    return [cut.id for batch in sampler for cut in batch]


def clean_features(cuts) -> dict[str, torch.Tensor]:
    return {cut.id: torch.from_numpy(cut.load_features()) for cut in cuts}


def test_speed_perturb_key_decides_the_training_cuts(prepared, capsys):
    originals = [
        c.id for c in load_set(prepared / "manifests", "train-clean-100") if "_sp" not in c.id
    ]
    on = train_cut_ids(config(prepared, "data.speed_perturb=true"), prepared)
    assert sorted(on) == sorted(originals + [i + s for i in originals for s in SP_SUFFIXES])
    assert "speed perturbation: on" in capsys.readouterr().out

    off = train_cut_ids(config(prepared, "data.speed_perturb=false"), prepared)
    assert sorted(off) == sorted(originals)
    out = capsys.readouterr().out
    assert (
        f"skipped speed-perturbed copy (data.speed_perturb is false): {2 * len(originals)}" in out
    )


def without_copies(prepared, tmp_path):
    """The training manifest with its speed-perturbed cuts left out, in a new manifest dir."""
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    path = cuts_path(prepared / "manifests", "train-clean-100")
    lines = [line for line in gzip.open(path, "rt") if "_sp" not in json.loads(line)["id"]]
    with gzip.open(cuts_path(manifests, "train-clean-100"), "wt") as f:
        f.writelines(lines)
    return manifests, len(lines)


def test_speed_perturb_needs_prepared_copies_or_makes_them_on_the_fly(prepared, tmp_path):
    manifests, n = without_copies(prepared, tmp_path)
    stored = config(prepared, "data.speed_perturb=true", f"data.manifest_dir={manifests}")
    with pytest.raises(ManifestError, match=r"data\.speed_perturb is true .* no speed-perturbed"):
        train_cut_ids(stored, prepared)

    cfg = config(
        prepared,
        "data.speed_perturb=true",
        "data.on_the_fly_feats=true",
        "data.spec_augment.enabled=false",
        f"data.manifest_dir={manifests}",
    )
    loader, sampler = train_dataloader(cfg.data, Tokenizer(prepared / "lang"), lambda n: n // 4)
    cuts = [cut for batch in sampler for cut in batch]
    assert len(cuts) == 3 * n
    by_id = {cut.id: cut for cut in cuts}
    for cut in cuts:
        if cut.id.endswith("_sp0.9"):
            assert cut.duration == pytest.approx(by_id[cut.id[:-6]].duration / 0.9, abs=1e-3)
    batch = next(iter(loader))  # the copies' audio is resampled as it loads
    for cut_id, frames, seconds in zip(
        batch["cut_ids"], batch["feature_lens"], batch["durations"], strict=True
    ):
        assert abs(int(frames) - seconds * 100) <= 2, cut_id


def batch_features(dataset, cuts):
    batch = dataset[CutSet.from_cuts(cuts)]
    return dict(zip(batch["cut_ids"], batch["features"], strict=True)), batch


def test_spec_augment_keys_reach_lhotse_and_change_training_batches(prepared):
    cuts = list(load_set(prepared / "manifests", "train-clean-100"))[:4]
    clean, _ = batch_features(AsrDataset(), cuts)
    keys = dict(
        time_warp_factor=20,
        num_feature_masks=3,
        features_mask_size=13,
        num_frame_masks=4,
        frames_mask_size=30,
        max_frames_mask_fraction=0.2,
        p=1.0,
    )
    on = "data.spec_augment.enabled=true"
    cfg = config(prepared, on, *(f"data.spec_augment.{k}={v}" for k, v in keys.items()))
    spec = augment.spec_augment(cfg.data)
    assert {k: getattr(spec, k) for k in keys} == keys  # widths are drawn from 0 .. size - 1
    augmented, _ = batch_features(AsrDataset(spec_augment=spec), cuts)
    assert all(not torch.equal(augmented[i], clean[i]) for i in clean)

    # Every mask and the warp off: the same batch, so lhotse's defaults are not what runs.
    nothing = ["time_warp_factor=0", "num_feature_masks=0", "num_frame_masks=0", "p=1.0"]
    cfg = config(prepared, on, *(f"data.spec_augment.{k}" for k in nothing))
    same, _ = batch_features(AsrDataset(spec_augment=augment.spec_augment(cfg.data)), cuts)
    assert all(torch.equal(same[i], clean[i]) for i in clean)
    assert augment.spec_augment(config(prepared, "data.spec_augment.enabled=false").data) is None


def test_noise_mixing_follows_its_probability_and_snr(prepared):
    cuts = list(load_set(prepared / "manifests", "train-clean-100"))[:6]
    clean, clean_batch = batch_features(AsrDataset(), cuts)

    def mixed(*overrides):
        cfg = config(prepared, "data.noise.enabled=true", *overrides)
        return batch_features(AsrDataset(cut_transforms=[augment.noise_mixer(cfg.data, 0)]), cuts)

    loud, loud_batch = mixed("data.noise.p=1.0", "data.noise.snr=[0,0]")
    faint, _ = mixed("data.noise.p=1.0", "data.noise.snr=[30,30]")
    never, _ = mixed("data.noise.p=0.0")
    assert loud_batch["feature_lens"].tolist() == clean_batch["feature_lens"].tolist()
    assert loud_batch["texts"] == clean_batch["texts"]
    assert all(torch.equal(never[i], clean[i]) for i in clean)
    for i in clean:
        n = int(clean_batch["feature_lens"][clean_batch["cut_ids"].index(i)])
        loud_change = (loud[i][:n] - clean[i][:n]).abs().mean()
        faint_change = (faint[i][:n] - clean[i][:n]).abs().mean()
        assert loud_change > 2 * faint_change > 0, i
    assert augment.noise_mixer(config(prepared).data, 0) is None  # the demo config: off


def test_dev_batches_are_never_augmented(prepared):
    everything = config(
        prepared,
        "data.speed_perturb=true",
        "data.noise.enabled=true",
        "data.noise.p=1.0",
        "data.spec_augment.enabled=true",
        "data.spec_augment.p=1.0",
    )
    dev = load_set(prepared / "manifests", "dev-clean")
    expected = clean_features(dev)
    seen = []
    for batch in eval_dataloader(everything.data, dev, 30):
        for cut_id, feats, n in zip(
            batch["cut_ids"], batch["features"], batch["feature_lens"], strict=True
        ):
            assert torch.equal(feats[:n], expected[cut_id]), cut_id
            seen.append(cut_id)
    assert sorted(seen) == sorted(expected) and not any("_sp" in i for i in seen)

    # The same config does change the training batches.
    loader, _ = train_dataloader(everything.data, Tokenizer(prepared / "lang"), lambda n: n // 4)
    train = clean_features(load_set(prepared / "manifests", "train-clean-100"))
    batch = next(iter(loader))
    for cut_id, feats, n in zip(
        batch["cut_ids"], batch["features"], batch["feature_lens"], strict=True
    ):
        assert not torch.equal(feats[:n], train[cut_id]), cut_id


def test_musan_cuts_are_windows_of_both_parts_with_features(prepared):
    cuts = read_noise_cuts(musan_manifest(prepared / "manifests"), features=True)
    assert {c.recording_id.split("-")[0] for c in cuts} == {"music", "noise"}
    assert all(5.0 <= c.duration <= 10.0 for c in cuts)
    assert sum(c.duration for c in cuts) > 45  # of the 60 s written, windows under 5 s left out
    annotations = (prepared / "corpus/musan/music/fma/ANNOTATIONS").read_text().splitlines()
    assert len(annotations) == len(list((prepared / "corpus/musan/music/fma").glob("*.wav")))


def test_musan_and_noise_errors_name_the_path(prepared, tmp_path, capsys):
    assert main(["prepare", "musan", "--corpus-dir", str(tmp_path), "--parts", "noise"]) == 1
    assert f"{tmp_path / 'noise'}" in capsys.readouterr().err
    cfg = config(prepared, "data.noise.enabled=true", f"data.noise.manifest={tmp_path}/none.gz")
    with pytest.raises(ManifestError, match=rf"{tmp_path}/none.gz: .*data\.noise"):
        augment.noise_mixer(cfg.data, 0)


def test_each_loader_worker_mixes_its_own_noise(prepared):
    cuts = CutSet.from_cuts(list(load_set(prepared / "manifests", "train-clean-100"))[:3])
    cfg = config(prepared, "data.noise.enabled=true", "data.noise.p=1.0", "data.noise.snr=[0,20]")

    def two_workers(**options):  # the same cuts as the first batch of each of two workers
        dataset = AsrDataset(cut_transforms=[augment.noise_mixer(cfg.data, 0)])
        loader = DataLoader(
            dataset, sampler=[cuts, cuts], batch_size=None, num_workers=2, **options
        )
        first, second = (batch["features"] for batch in loader)
        return torch.equal(first, second)

    assert two_workers()  # one seed: the workers' noise is the same, batch for batch
    assert not two_workers(worker_init_fn=own_noise_stream)
