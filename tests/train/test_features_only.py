"""Training reads precomputed features only: a corpus whose audio was deleted after feature
extraction still trains, while decoding, which computes features from the audio, names the
missing file before it starts."""

import gzip
import json
from pathlib import Path

import pytest

from sigasr.cli import main
from sigasr.data.manifests import ManifestError, read_cuts
from tools.tiny_corpus import train_args


def manifests_without_audio(corpus: Path, tmp_path: Path) -> Path:
    """A copy of the corpus's cut manifests whose recordings point at audio that is gone."""
    out = tmp_path / "manifests"
    out.mkdir()
    for src in (corpus / "data/manifests").glob("*cuts*.jsonl.gz"):
        with gzip.open(src, "rt") as f, gzip.open(out / src.name, "wt") as g:
            for line in f:
                cut = json.loads(line)
                for source in cut["recording"]["sources"]:
                    source["source"] = str(tmp_path / "gone" / Path(source["source"]).name)
                g.write(json.dumps(cut) + "\n")
    return out


def test_manifest_check_asks_for_audio_only_when_it_is_read(corpus, tmp_path):
    manifests = manifests_without_audio(corpus, tmp_path)
    path = manifests / "librispeech_cuts_train-clean-100.jsonl.gz"
    cuts = read_cuts(path, audio=False)
    assert len(cuts) > 0 and all(c.has_features for c in cuts)
    with pytest.raises(ManifestError, match=r"gone/.* which does not exist"):
        read_cuts(path)


def test_training_without_audio_then_decoding_names_the_missing_file(corpus, tmp_path, capsys):
    manifests = manifests_without_audio(corpus, tmp_path)
    exp = tmp_path / "exp"
    overrides = [f"data.manifest_dir={manifests}", "train.max_steps=2", "decode.avg=1"]
    args = train_args(corpus, exp, *overrides)
    assert main(args) == 0
    assert (exp / "checkpoints" / "ckpt-2.pt").is_file()
    capsys.readouterr()
    assert main(["decode", "--exp-dir", str(exp), "--test-sets", "dev-clean"]) == 1
    assert "which does not exist" in capsys.readouterr().err
