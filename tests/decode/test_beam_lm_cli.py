"""`sigasr tune-lm` then `sigasr decode --method beam|beam-lm` on a tiny trained model: the
tuning file is written next to the model and read by beam-lm decoding, which refuses a
tuning made with another LM and says how to get one when it is missing."""

import re

import yaml

from sigasr.cli import main
from sigasr.decode.lm_tuning import read_tuning, tuning_path
from tools.tiny_corpus import DEMO_CONFIG, train_args

WER = re.compile(r"%WER (\d+\.\d\d)%")


def decode(exp, *args):
    return main(["decode", "--exp-dir", str(exp), "--avg", "1", "--test-sets", "test-clean",
                 "--device", "cpu", *args])  # fmt: skip


def test_tune_lm_then_decode_with_beam_and_lm(corpus, kenlm, tmp_path, capsys):
    exp = tmp_path / "exp"
    steps = ["train.max_steps=4", "train.save_every=2", "train.valid_every=0"]
    assert main(train_args(corpus, exp, *steps)) == 0
    arpa = tmp_path / "lm/train-3gram.arpa"
    assert main(["prepare", "ngram", "--config", str(DEMO_CONFIG), "--manifest-dir",
                 str(corpus / "data/manifests"), "--out", str(arpa)]) == 0  # fmt: skip
    capsys.readouterr()

    tune = ["tune-lm", "--exp-dir", str(exp), "--avg", "1", "--dev-sets", "dev-clean",
            "--lm", str(arpa), "--lm-weights", "0.5", "1.0", "--word-scores", "0", "1",
            "--device", "cpu"]  # fmt: skip
    assert main(tune) == 0
    out = capsys.readouterr().out
    assert "chosen: lm_weight" in out
    tuning = read_tuning(tuning_path(exp))
    assert tuning.lm == str(arpa.resolve())
    assert tuning.tuned_on == ["dev-clean"]
    assert {(p.lm_weight, p.word_score) for p in tuning.grid} == {
        (0.5, 0.0), (0.5, 1.0), (1.0, 0.0), (1.0, 1.0)
    }  # fmt: skip
    assert tuning.wer == min(p.wer for p in tuning.grid)
    assert (tuning.lm_weight, tuning.word_score) in {
        (p.lm_weight, p.word_score) for p in tuning.grid
    }

    assert decode(exp) == 0
    greedy = float(WER.search(capsys.readouterr().out).group(1))
    assert decode(exp, "--method", "beam") == 0
    out = capsys.readouterr().out
    assert "beam 50, no LM" in out
    assert float(WER.search(out).group(1)) <= greedy
    assert decode(exp, "--method", "beam-lm", "--lm", str(arpa)) == 0
    out = capsys.readouterr().out
    assert (
        f"lm_weight {tuning.lm_weight}, word_score {tuning.word_score} (from {tuning_path(exp)})"
        in out
    )
    for method_dir in ("", "beam", "beam-lm"):  # greedy's results stay in decode/
        for kind in ("recogs", "errs", "wer-summary"):
            assert (
                len(list((exp / "decode" / method_dir).glob(f"{kind}-test-clean-step-*.txt"))) == 1
            )
    assert decode(exp, "--method", "beam-lm", "--lm", str(arpa), "--lm-weight", "0.25") == 0
    assert "lm_weight 0.25" in capsys.readouterr().out

    other = tmp_path / "lm/other.arpa"
    other.write_bytes(arpa.read_bytes())
    assert decode(exp, "--method", "beam-lm", "--lm", str(other)) == 1
    assert f"was tuned with {arpa.resolve()}" in capsys.readouterr().err

    tuning_path(exp).write_text(yaml.safe_dump({"lm_weight": 1.0}))
    assert decode(exp, "--method", "beam-lm", "--lm", str(arpa)) == 1
    assert "not an LM tuning file" in capsys.readouterr().err
    tuning_path(exp).unlink()
    assert decode(exp, "--method", "beam-lm", "--lm", str(arpa)) == 1
    assert "no LM tuning file (run `sigasr tune-lm`)" in capsys.readouterr().err
    assert decode(exp, "--method", "beam-lm", "--lm", str(tmp_path / "none.arpa")) == 1
    assert "('decode.lm' or --lm): no such file" in capsys.readouterr().err
