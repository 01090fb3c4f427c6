"""The decoding data path: audio loaded in workers, fbank on the device, time per phase."""

import gzip
import json
import re

import soundfile as sf
import torch

from sigasr.data.features import SAMPLING_RATE, BatchFbank, compute_fbank
from tools.tiny_corpus import ROOT, sigasr, train_args

TIME_LINE = re.compile(
    r"^\[test-clean\] time: wall \d+\.\d\d s; CPU device: features \d+\.\d\d s, "
    r"forward \d+\.\d\d s, search \d+\.\d\d s, copy to host \d+\.\d\d s \(\d+ % of wall\); "
    r"host: loader wait \d+\.\d\d s, search \d+\.\d\d s, scoring \d+\.\d\d s$",
    re.M,
)


def test_batch_fbank_equals_each_utterance_but_the_last_frame(corpus):
    files = sorted((corpus / "corpus/LibriSpeech/test-clean").rglob("*.flac"))[:4]
    waves = [torch.as_tensor(sf.read(f, dtype="float32")[0]) for f in files]
    assert len({len(w) for w in waves}) > 1  # padding is exercised
    audio = torch.nn.utils.rnn.pad_sequence(waves, batch_first=True)
    lens = torch.tensor([len(w) for w in waves])
    features, feature_lens = BatchFbank(torch.device("cpu"))(audio, lens)
    assert features.shape[0] == len(files) and features.shape[2] == 80
    for row, n, wave in zip(features, feature_lens, waves, strict=True):
        own = compute_fbank(wave, SAMPLING_RATE)
        assert int(n) == own.shape[0]
        torch.testing.assert_close(row[: n - 1], own[:-1], atol=1e-4, rtol=1e-4)


def test_decode_with_loader_workers_keeps_manifest_order_and_reports_phases(corpus, tmp_path):
    exp = tmp_path / "exp"
    steps = ["train.max_steps=2", "train.save_every=2", "train.valid_every=0"]
    trained = sigasr(*train_args(corpus, exp, *steps), cwd=ROOT)
    assert trained.returncode == 0, trained.stderr[-3000:]

    recogs = {}
    for workers in ("0", "2"):
        decoded = sigasr("decode", "--exp-dir", str(exp), "--avg", "1", "--test-sets",
                         "test-clean", "--device", "cpu", "--num-workers", workers,
                         "--max-duration", "15", cwd=tmp_path)  # fmt: skip
        assert decoded.returncode == 0, decoded.stderr[-3000:]
        assert TIME_LINE.search(decoded.stdout), decoded.stdout
        assert f"{workers} loader workers" in decoded.stdout
        recogs[workers] = (exp / "decode" / "recogs-test-clean-step-2-avg-1.txt").read_text()
    assert recogs["0"] == recogs["2"]

    manifest = corpus / "data/manifests/librispeech_cuts_test-clean.jsonl.gz"
    with gzip.open(manifest, "rt") as f:
        ids = [json.loads(line)["id"] for line in f]
    written = [line.split(":\t")[0] for line in recogs["2"].splitlines()[::2]]
    assert written == ids

    # Chunks longer than every utterance give the one-pass output; short chunks still decode
    # every utterance, into their own folder.
    for chunk, folder in (("100", "chunk-100s"), ("1.5", "chunk-1.5s")):
        decoded = sigasr("decode", "--exp-dir", str(exp), "--avg", "1", "--test-sets",
                         "test-clean", "--device", "cpu", "--num-workers", "0",
                         "--chunk-seconds", chunk, "--overlap-seconds", "0.3",
                         "--max-duration", "15", cwd=tmp_path)  # fmt: skip
        assert decoded.returncode == 0, decoded.stderr[-3000:]
        chunked = (exp / "decode" / folder / "recogs-test-clean-step-2-avg-1.txt").read_text()
        assert [line.split(":\t")[0] for line in chunked.splitlines()[::2]] == ids
        if chunk == "100":
            assert chunked == recogs["0"]
