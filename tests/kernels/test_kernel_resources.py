"""tools/kernel_resources.py: the kernels compile for Hopper on a machine without a GPU, and
ptxas reports their registers, spills and shared memory. In a subprocess: the test session
imports Triton in interpreter mode (tests/conftest.py), which cannot compile."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import json, triton
from tools.kernel_resources import _backward_kernel, _forward_kernel, resources
config = triton.Config({"BLOCK_M": 64, "BLOCK_N": 64}, num_warps=4, num_stages=2)
tma = triton.Config({"BLOCK_M": 64, "BLOCK_N": 64, "TMA": True}, num_warps=4, num_stages=2)
capped = triton.Config({"BLOCK_M": 64, "BLOCK_N": 64}, num_warps=4, num_stages=2, maxnreg=96)
print(json.dumps([
    resources(_forward_kernel, "forward", 64, config, 90),
    resources(_backward_kernel, "backward", 64, config, 90),
    resources(_backward_kernel, "backward", 128, config, 90),
    resources(_forward_kernel, "forward", 64, tma, 90),
    resources(_forward_kernel, "forward", 64, capped, 90),
]))
"""


def test_reports_resources_of_both_kernels_without_a_gpu():
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout.splitlines()[-1])
    forward, backward, backward_128, forward_tma, forward_capped = results
    for r in results:
        assert 0 < r["registers"] <= 255
        assert r["spill_stores"] >= 0 and r["spill_loads"] >= 0
        assert r["shared"] > 0
    # Twice the head dim: twice the shared memory per staged tile.
    assert backward_128["shared"] > backward["shared"]
    # TMA tiles land in shared memory instead of registers.
    assert forward_tma["shared"] > forward["shared"]
    # A register cap holds, and what no longer fits in registers spills.
    assert forward_capped["registers"] <= 96 < forward["registers"]
    assert forward_capped["spill_stores"] > forward["spill_stores"]


HOPPER_SCRIPT = """
import json
from tools.kernel_resources import hopper_backward_resources, hopper_resources
from flashsigmoid.tiles import HOPPER_DKDV, HOPPER_DQ, hopper_forward_tiles
rows = []
for dim, n in ((64, 1024), (64, 1500), (128, 4096)):
    t = hopper_forward_tiles(dim, n)
    rows.append(dict(hopper_resources(dim, n), warps=t.num_warps, programs=t.programs_per_sm,
                     cap=t.maxnreg or 0))
for r, t in zip(hopper_backward_resources(), (HOPPER_DKDV, HOPPER_DQ)):  # two consumers
    rows.append(dict(r, warps=2 * t.num_warps, programs=1, cap=0))
print(json.dumps(rows))
"""
SM90_SHARED, SM90_REGISTERS = 228 * 1024, 65536  # per SM


def test_hopper_kernels_fit_the_programs_they_promise_per_sm():
    """Each pick of tiles.hopper_forward_tiles, and hopper_backward's two kernels, compile for
    sm_90a, and the programs per SM they count on fit one SM's shared memory (plus 1 KiB
    reserved per program) and registers (the loader warp is padded to a warpgroup of 128
    threads)."""
    proc = subprocess.run(
        [sys.executable, "-c", HOPPER_SCRIPT], cwd=ROOT, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    for r in json.loads(proc.stdout.splitlines()[-1]):
        assert r["cap"] == 0 or r["registers"] <= r["cap"]
        assert (r["shared"] + 1024) * r["programs"] <= SM90_SHARED
        threads = (r["warps"] + 4) * 32
        assert r["registers"] * threads * r["programs"] <= SM90_REGISTERS
        assert r["spill_stores"] <= 64
