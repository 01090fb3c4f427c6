"""Models by Hugging Face Hub id, through huggingface_hub's own cache, with HF_HUB_OFFLINE=1.

The cache is laid out as huggingface_hub lays it out (``models--org--name/{blobs, refs/main,
snapshots/<commit>}``, snapshot files symlinked to content-addressed blobs), so that
``snapshot_download`` resolves the id exactly as it does for a model it downloaded.
"""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from tools.tiny_corpus import ROOT

REPO = "sigasr-test/tiny-model"


def lay_out_hub_cache(cache: Path, repo_id: str, folder: Path) -> str:
    """Puts ``folder``'s files in ``cache`` as a downloaded snapshot of ``repo_id``; returns the
    commit hash. Blobs are named by their git blob sha1, LFS files (the weights) by sha256."""
    repo = cache / ("models--" + repo_id.replace("/", "--"))
    files = sorted(p for p in folder.iterdir() if p.is_file())
    commit = hashlib.sha1(b"".join(p.name.encode() + p.read_bytes() for p in files)).hexdigest()
    (repo / "blobs").mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".safetensors":
            etag = hashlib.sha256(data).hexdigest()
        else:
            etag = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        (repo / "blobs" / etag).write_bytes(data)
        (snapshot / path.name).symlink_to(Path("../../blobs") / etag)
    return commit


def _offline(cache: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(cache), "OMP_NUM_THREADS": "1"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "kernels")])
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=300, cwd=ROOT
    )


def test_from_pretrained_and_transcribe_by_hub_id(exported, speech, tmp_path):
    _, model = exported
    cache = tmp_path / "hub"
    commit = lay_out_hub_cache(cache, REPO, model)
    check = (
        "import sys, torch; from sigasr import CTCModel\n"
        f"hub = CTCModel.from_pretrained('{REPO}').state_dict()\n"
        f"pinned = CTCModel.from_pretrained('{REPO}@{commit}').state_dict()\n"
        f"local = CTCModel.from_pretrained('{model}').state_dict()\n"
        "assert hub.keys() == local.keys() == pinned.keys()\n"
        "assert all(torch.equal(hub[k], local[k]) and torch.equal(pinned[k], local[k]) for k in hub)\n"
        "print('same weights')\n"
    )
    loaded = _offline(cache, "-c", check)
    assert loaded.returncode == 0 and "same weights" in loaded.stdout, loaded.stderr[-2000:]

    by_id = _offline(
        cache, "-m", "sigasr", "transcribe", "--model", REPO, "--device", "cpu", str(speech[0])
    )
    by_path = _offline(
        cache,
        "-m",
        "sigasr",
        "transcribe",
        "--model",
        str(model),
        "--device",
        "cpu",
        str(speech[0]),
    )
    assert by_id.returncode == 0, by_id.stderr[-2000:]
    assert by_id.stdout == by_path.stdout and by_id.stdout.startswith(f"{speech[0]}\t")


def test_unknown_hub_id_is_one_line(tmp_path, speech):
    proc = _offline(
        tmp_path, "-m", "sigasr", "transcribe", "--model", "nobody/nothing", str(speech[0])
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "sigasr transcribe: error: nobody/nothing: no such model directory, and the Hugging "
        "Face Hub model is neither reachable nor in the local cache"
    ]
