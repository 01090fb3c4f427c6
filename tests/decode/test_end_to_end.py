"""train -> decode -> export -> transcribe on the tiny synthesized corpus, through the CLI."""

import re

from tools.tiny_corpus import ROOT, sigasr, train_args

WER_LINE = re.compile(
    r"^\[test-clean\] %WER \d+\.\d\d% \[\d+ / \d+, \d+ ins, \d+ del, \d+ sub \]$", re.M
)


def test_train_decode_export_transcribe(corpus, tmp_path):
    exp = tmp_path / "exp"
    steps = ["train.max_steps=4", "train.save_every=2", "train.valid_every=0"]
    trained = sigasr(*train_args(corpus, exp, *steps), cwd=ROOT)
    assert trained.returncode == 0, trained.stderr[-3000:]

    decoded = sigasr("decode", "--exp-dir", str(exp), "--avg", "2", "--test-sets", "test-clean",
                     "--device", "cpu", cwd=tmp_path)  # fmt: skip
    assert decoded.returncode == 0, decoded.stderr[-3000:]
    assert WER_LINE.search(decoded.stdout), decoded.stdout
    assert "average of 2 checkpoint(s): ckpt-2.pt, ckpt-4.pt" in decoded.stdout
    assert "RTFx" in decoded.stdout
    summary = (exp / "decode" / "wer-summary-test-clean-step-4-avg-2.txt").read_text()
    assert WER_LINE.search(summary)
    assert "PER-UTT DETAILS" in (exp / "decode" / "errs-test-clean-step-4-avg-2.txt").read_text()

    # Another model's results sit beside these instead of replacing them.
    one = sigasr("decode", "--exp-dir", str(exp), "--avg", "1", "--test-sets", "test-clean",
                 "--device", "cpu", cwd=tmp_path)  # fmt: skip
    assert one.returncode == 0, one.stderr[-3000:]
    assert "results: " in one.stdout and "-step-4-avg-1." in one.stdout
    names = sorted(p.name for p in (exp / "decode").iterdir())
    assert [n for n in names if n.startswith("wer-summary-")] == [
        "wer-summary-test-clean-step-4-avg-1.txt",
        "wer-summary-test-clean-step-4-avg-2.txt",
    ]
    assert (exp / "decode" / "wer-summary-test-clean-step-4-avg-2.txt").read_text() == summary

    unknown = sigasr("decode", "--exp-dir", str(exp), "--bucket", "45s", cwd=tmp_path)
    assert unknown.returncode == 2
    assert "unknown bucket '45s'" in unknown.stderr

    model = tmp_path / "model"
    exported = sigasr("export", "--exp-dir", str(exp), "--avg", "2", "--out", str(model), cwd=ROOT)
    assert exported.returncode == 0, exported.stderr[-3000:]
    assert {p.name for p in model.iterdir()} == {
        "config.yaml", "model.safetensors", "tokenizer.model", "tokens.txt", "README.md"
    }  # fmt: skip

    audio = sorted((corpus / "corpus/LibriSpeech/test-clean").rglob("*.flac"))[:2]
    out = sigasr("transcribe", "--model", str(model), "--timestamps", "--device", "cpu",
                 "--max-one-pass-seconds", "2", "--chunk-seconds", "1.5",
                 "--overlap-seconds", "0.3", *map(str, audio), cwd=tmp_path)  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    assert [line.split("\t")[0] for line in out.stdout.splitlines() if ".flac" in line] == [
        str(a) for a in audio
    ]

    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF not really audio")
    bad = sigasr("transcribe", "--model", str(model), str(broken), cwd=tmp_path)
    assert bad.returncode == 1
    assert f"{broken}: cannot read audio" in bad.stderr
