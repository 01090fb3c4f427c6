import pytest

from tools.tiny_corpus import ROOT, sigasr, train_args

# Enough steps for the tiny model to leave the all-blank phase: its greedy text is then
# non-empty and partly right, so equal texts from two runtimes mean equal posteriors.
TRAIN_STEPS = ["train.max_steps=300", "train.save_every=100", "train.valid_every=0",
               "train.warmup_steps=30", "train.log_every=100"]  # fmt: skip


@pytest.fixture(scope="session")
def onnx_model_dir(corpus, tmp_path_factory):
    """A tiny model trained on the tiny corpus, exported by `sigasr export --format onnx`."""
    base = tmp_path_factory.mktemp("onnx")
    trained = sigasr(*train_args(corpus, base / "exp", *TRAIN_STEPS), cwd=ROOT)
    assert trained.returncode == 0, trained.stderr[-3000:]
    model = base / "model"
    exported = sigasr("export", "--exp-dir", str(base / "exp"), "--avg", "1", "--out",
                      str(model), "--format", "onnx", cwd=ROOT)  # fmt: skip
    assert exported.returncode == 0, exported.stderr[-3000:]
    return model
