"""An exported model run by sherpa-onnx and onnxruntime against `sigasr transcribe`."""

import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf
import torch

from sigasr.data.features import compute_fbank
from sigasr.data.tokenizer import Tokenizer
from sigasr.export.onnx_model import OnnxCTCModel
from sigasr.model import CTCModel
from sigasr.transcribe.transcriber import Transcriber
from tools.tiny_corpus import ROOT, sigasr

# the `export` extra (pip install -e '.[export]'); a machine without it skips this module
knf = pytest.importorskip("kaldi_native_fbank")
onnx = pytest.importorskip("onnx")
sherpa_onnx = pytest.importorskip("sherpa_onnx")

pytestmark = pytest.mark.slow  # trains and exports a model once (about a minute)

SCRIPT = ROOT / "tools/sherpa_onnx_decode.py"
# Nothing of sigasr nor its stack may be used by the standalone decoder.
BLOCKED = ("sigasr", "flashsigmoid", "torch", "numpy", "onnxruntime", "soundfile", "lhotse")


def demo_audio(corpus, count=4):
    return sorted((corpus / "corpus/LibriSpeech/test-clean").rglob("*.flac"))[:count]


def as_wavs(flacs, out_dir):
    """16-bit PCM WAV copies (the demo corpus is 16-bit FLAC: the samples are the same)."""
    out_dir.mkdir()
    wavs = []
    for flac in flacs:
        samples, rate = sf.read(flac, dtype="int16")
        wavs.append(out_dir / f"{flac.stem}.wav")
        sf.write(wavs[-1], samples, rate, subtype="PCM_16")
    return wavs


def texts(stdout: str) -> dict[str, str]:
    return dict(line.split("\t", 1) for line in stdout.splitlines() if "\t" in line)


def sherpa_alone(*args) -> subprocess.CompletedProcess:
    """tools/sherpa_onnx_decode.py in an isolated interpreter that cannot import BLOCKED."""
    code = (
        "import runpy, sys\n"
        f"for name in {BLOCKED!r}: sys.modules[name] = None\n"
        f"sys.argv = [{str(SCRIPT)!r}, *{list(map(str, args))!r}]\n"
        f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')\n"
    )
    return subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=300
    )


def test_sigasr_features_are_the_fbank_sherpa_onnx_computes(corpus):
    defaults = sherpa_onnx.FeatureExtractorConfig()  # what from_zipformer_ctc gives
    opts = knf.FbankOptions()
    opts.frame_opts.dither = defaults.dither
    opts.frame_opts.snip_edges = defaults.snip_edges
    opts.mel_opts.num_bins = defaults.feature_dim
    opts.mel_opts.low_freq = defaults.low_freq
    opts.mel_opts.high_freq = defaults.high_freq
    assert defaults.normalize_samples  # samples in [-1, 1], as sigasr reads them
    for flac in demo_audio(corpus):
        samples, rate = sf.read(flac, dtype="float32")
        ours = compute_fbank(torch.from_numpy(samples), rate)
        fbank = knf.OnlineFbank(opts)
        fbank.accept_waveform(rate, samples.tolist())
        fbank.input_finished()
        theirs = torch.from_numpy(
            np.stack([fbank.get_frame(i) for i in range(fbank.num_frames_ready)])
        )
        assert theirs.shape == ours.shape
        # float32 rounding of two FFT implementations: observed max 1.1e-3, mean 4e-6
        torch.testing.assert_close(ours, theirs, atol=3e-3, rtol=0)


def test_export_writes_the_onnx_files_with_sherpa_onnx_metadata(onnx_model_dir):
    names = {p.name for p in onnx_model_dir.iterdir()}
    assert {"model.onnx", "model.int8.onnx", "tokens.txt", "model.safetensors"} <= names
    vocab = len((onnx_model_dir / "tokens.txt").read_text().splitlines())
    for name in ("model.onnx", "model.int8.onnx"):
        meta = {p.key: p.value for p in onnx.load(str(onnx_model_dir / name)).metadata_props}
        assert meta["model_type"] == "zipformer2_ctc"
        assert meta["vocab_size"] == str(vocab) and meta["subsampling_factor"] == "4"
    int8, fp32 = (onnx_model_dir / n for n in ("model.int8.onnx", "model.onnx"))
    assert int8.stat().st_size < fp32.stat().st_size


def test_sherpa_onnx_alone_decodes_the_text_of_sigasr_transcribe(corpus, onnx_model_dir, tmp_path):
    wavs = as_wavs(demo_audio(corpus), tmp_path / "wavs")
    ours = sigasr("transcribe", "--model", str(onnx_model_dir), "--device", "cpu",
                  *map(str, wavs), cwd=ROOT)  # fmt: skip
    assert ours.returncode == 0, ours.stderr[-3000:]
    theirs = sherpa_alone("--model-dir", onnx_model_dir, *wavs)
    assert theirs.returncode == 0, theirs.stderr[-3000:]
    expected = texts(ours.stdout)
    assert set(expected) == set(map(str, wavs))
    assert sum(len(t.split()) for t in expected.values()) >= 10  # a trained model's text
    assert texts(theirs.stdout) == expected

    int8 = sherpa_alone("--model-dir", onnx_model_dir, "--int8", *wavs)
    assert int8.returncode == 0, int8.stderr[-3000:]
    assert set(texts(int8.stdout)) == set(expected)


def test_the_standalone_decoder_reports_unreadable_files(onnx_model_dir, tmp_path):
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF not really audio")
    out = sherpa_alone("--model-dir", onnx_model_dir, broken)
    assert out.returncode == 1
    assert f"{broken}: cannot read" in out.stderr and "1 of 1 file(s) failed" in out.stderr


def test_onnx_transcriber_decodes_long_audio_in_chunks_as_pytorch_does(corpus, onnx_model_dir):
    """Several test files back to back (about 20 s), decoded in 4 s chunks by the same
    Transcriber with the ONNX model and with the PyTorch model."""
    samples = [torch.from_numpy(sf.read(f, dtype="float32")[0]) for f in demo_audio(corpus, 8)]
    features = compute_fbank(torch.cat(samples), 16_000)
    tokenizer = Tokenizer(onnx_model_dir)
    options = dict(max_one_pass_seconds=5.0, chunk_seconds=4.0, overlap_seconds=1.0)
    cpu = torch.device("cpu")
    onnx_run = Transcriber(OnnxCTCModel(onnx_model_dir / "model.onnx"), tokenizer, cpu, **options)
    torch_run = Transcriber(CTCModel.from_pretrained(onnx_model_dir), tokenizer, cpu, **options)
    got, got_chunks = onnx_run.log_probs(features)
    ref, ref_chunks = torch_run.log_probs(features)
    assert got_chunks == ref_chunks >= 4
    torch.testing.assert_close(got, ref, atol=1e-4, rtol=0)
    one_pass = dict(max_one_pass_seconds=60.0)
    got, got_chunks = Transcriber(onnx_run.model, tokenizer, cpu, **one_pass).log_probs(features)
    ref, _ = Transcriber(torch_run.model, tokenizer, cpu, **one_pass).log_probs(features)
    assert got_chunks == 1
    torch.testing.assert_close(got, ref, atol=1e-4, rtol=0)


def test_bench_onnx_scores_the_three_runtimes(corpus, onnx_model_dir, capsys):
    from sigasr.benchmarks.onnx_cpu import main

    manifests = corpus / "data/manifests"
    assert main(["--model", str(onnx_model_dir), "--manifest-dir", str(manifests)]) == 0
    rows = [line.split("|")[1:-1] for line in capsys.readouterr().out.splitlines()]
    wer = {
        r[0].strip(): float(r[2])
        for r in rows
        if len(r) == 5 and r[0].strip()[:4] in ("PyTo", "ONNX")
    }
    assert set(wer) == {"PyTorch fp32", "ONNX fp32", "ONNX int8"}
    assert wer["ONNX fp32"] == wer["PyTorch fp32"] < 100
