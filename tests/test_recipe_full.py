"""The full LibriSpeech recipe with the real conformer_ctc_100m.yaml, every stage, on a demo corpus.

Only ``key=value`` overrides on run.sh's command line make it tiny (model size, steps, batch);
the config file is the shipped one: speed perturbation, MUSAN noise mixing, SpecAugment,
keep_last 10 and decode.avg 10. SIGASR_RECIPE_SEED picks the demo corpus's seed.
"""

import os
import re
import subprocess
from pathlib import Path

import pytest
from lhotse import CutSet
from omegaconf import OmegaConf

from sigasr.config import load_config
from sigasr.data.corpora import cuts_path
from tests.test_config_keys import leaf_keys
from tools.tiny_corpus import TINY_MODEL

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "recipes/librispeech/conf/conformer_ctc_100m.yaml"
STEPS = 12
TINY_RUN = [
    *TINY_MODEL,
    f"train.max_steps={STEPS}",
    "train.save_every=1",
    "train.valid_every=6",
    "train.warmup_steps=4",
    "data.max_duration=20",
    "data.num_buckets=4",
    "data.num_workers=0",
    "data.vocab_size=200",
    "decode.beam=20",
    "decode.tune_lm_weights=[0.5,2.0]",
    "decode.tune_word_scores=[0.0,2.0]",
]


def wer(summary: Path) -> float:
    """The WER (%) of a wer-summary file's first line, ``[set] %WER 12.34% [...]``."""
    return float(re.search(r"%WER ([\d.]+)%", summary.read_text()).group(1))


@pytest.mark.slow
def test_full_recipe_with_the_100m_config_runs_every_stage(tmp_path):
    seed = os.environ.get("SIGASR_RECIPE_SEED", "2027")
    reads = tmp_path / "config-reads.txt"
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "SIGASR_CONFIG_READS": str(reads),
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "tests/config_reads"), str(ROOT), str(ROOT / "kernels")]
        ),
    }
    args = ["--demo", "--config", "conformer_ctc_100m", "--hours", "0.05", "--seed", seed]
    proc = subprocess.run(
        ["bash", str(ROOT / "recipes/librispeech/run.sh"), *args, *TINY_RUN],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    out = proc.stdout
    assert proc.returncode == 0, out[-3000:] + proc.stderr[-3000:]
    for n, name in enumerate(("demo-data", "manifests", "features", "musan", "tokenizer",
                              "train", "decode", "tedlium", "lm", "lm-tune", "decode-lm")):  # fmt: skip
        assert f"== stage {n} ({name}): " in out, name
    work = tmp_path / "demo"
    exp = work / "exp/conformer_ctc_100m"

    # Training cuts tripled by speed perturbation; dev and test parts untouched.
    manifests = work / "data/manifests"
    train = CutSet.from_file(cuts_path(manifests, "train-clean-100"))
    originals = [c.id for c in train if "_sp" not in c.id]
    assert sorted(c.id for c in train) == sorted(
        [*originals, *(f"{i}_sp{f}" for i in originals for f in ("0.9", "1.1"))]
    )
    n = len(originals)
    # Training gets all 3n cuts but those the duration and CTC filters drop (a 1.1x copy can
    # fall under data.min_utt_duration).
    filtered = re.search(r"train filter: in (\d+), kept (\d+)", out)
    assert filtered and int(filtered.group(1)) == 3 * n, out[-3000:]
    speeds = re.search(r"speed perturbation: on \((\d+) at 0.9x, (\d+) at 1x, (\d+) at 1.1x\)", out)
    assert speeds and sum(map(int, speeds.groups())) == int(filtered.group(2))
    assert all(int(count) >= 0.9 * n for count in speeds.groups()), speeds.group(0)
    for part in ("dev-clean", "dev-other", "test-clean", "test-other"):
        assert not any("_sp" in c.id for c in CutSet.from_file(cuts_path(manifests, part)))

    # Noise from the demo's MUSAN, with the config's probability and SNR range.
    mixing = re.search(r"noise mixing: (\d+) cuts .* from (\S+), p 0.5, SNR 10-20 dB", out)
    assert mixing and int(mixing.group(1)) > 0, out[-3000:]
    assert Path(mixing.group(2)) == manifests / "musan_cuts.jsonl.gz"
    assert "SpecAugment: time warp 80, 2 frequency mask(s) up to 27 bins, 10 time mask(s)" in out

    # The saved config is the shipped one plus the overrides.
    saved = load_config(exp / "config.yaml")
    shipped = load_config(CONFIG)
    assert saved.train.lr == shipped.train.lr and saved.decode.avg == 10
    assert saved.train.keep_last == 10 and saved.model.encoder.d_model == 32

    # 10 checkpoints averaged, every test set and TED-LIUM bucket decoded.
    last_ten = ", ".join(f"ckpt-{s}.pt" for s in range(STEPS - 9, STEPS + 1))
    # sets, buckets, LM tuning, beam and beam+LM decoding
    assert out.count(f"model: average of 10 checkpoint(s): {last_ten}") == 5
    decoded = {p.name for p in (exp / "decode").glob("wer-summary-*.txt")}
    sets = ["dev-clean", "dev-other", "test-clean", "test-other"]
    sets += [f"tedlium-{b}" for b in ("0-10s", "10-20s", "20-30s", "30s+")]
    tag = f"step-{STEPS}-avg-10"
    assert decoded == {f"wer-summary-{s}-{tag}.txt" for s in sets}
    assert re.search(r"^30s\+ +\d+ ", out, re.M)
    assert (exp / f"decode/wer-by-bucket-{tag}.png").is_file()
    # The LM of the transcripts, tuned on dev, then beam and beam+LM decoding.
    assert (exp / "decode/lm_tuning.yaml").is_file()
    for method in ("beam", "beam-lm"):
        assert {p.name for p in (exp / "decode" / method).glob("wer-summary-*.txt")} == {
            f"wer-summary-{s}-{tag}.txt"
            for s in ("dev-clean", "dev-other", "test-clean", "test-other")
        }
    # The word LM's lexicon search beats greedy decoding on the clean sets.
    for s in ("dev-clean", "test-clean"):
        greedy = wer(exp / f"decode/wer-summary-{s}-{tag}.txt")
        assert wer(exp / f"decode/beam-lm/wer-summary-{s}-{tag}.txt") < greedy, s

    # Every key the config file sets was read by some stage (suffixes: the model reads its
    # own section as the root of a config).
    read = set(reads.read_text().split())
    keys = leaf_keys(OmegaConf.to_container(OmegaConf.load(CONFIG)))
    unread = [k for k in keys if not any(k == r or k.endswith(f".{r}") for r in read)]
    assert unread == []
