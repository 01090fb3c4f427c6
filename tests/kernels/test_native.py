"""native.py without a GPU: the extension compiles against the installed torch and keys
calls; recorded launches translate into the parameters Triton's launcher would pass.

The replay itself needs a GPU: tests/kernels/test_native_gpu.py.
"""

import shutil
import struct
import threading
from types import SimpleNamespace

import pytest
import torch

from flashsigmoid import launcher, native


@pytest.fixture(scope="module")
def ext(tmp_path_factory):
    """The extension, compiled from source into a fresh cache (about a minute on 2 cores)."""
    if shutil.which("c++") is None:
        pytest.skip("no C++ compiler on PATH (the C++ eager path, like Triton, needs one)")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("FLASHSIGMOID_CACHE_DIR", str(tmp_path_factory.mktemp("native")))
        env.delenv("FLASHSIGMOID_NATIVE", raising=False)
        module = native.wait()
    if module is None:
        pytest.fail(f"the C++ eager path did not build: {native.error()}")
    return module


@pytest.mark.slow
def test_the_extension_keys_calls(ext, monkeypatch):
    monkeypatch.delenv("FLASHSIGMOID_NATIVE", raising=False)
    q = torch.zeros(2, 33, 4, 16)
    k, v = torch.zeros_like(q), torch.zeros_like(q)
    lens = torch.tensor([33, 20])
    args = (q, k, v, lens, None, None, 0.25, False, True)
    assert ext.attention(*args) == 0  # unknown key: record it
    index = ext.register_forward(*args, None)  # None: the key stays in Python
    assert ext.attention(*args) == 1
    assert ext.register_forward(*args, None) == index
    assert ext.attention(q, k, v, lens, None, None, 0.5, False, True) == 0  # another scale
    assert ext.attention(q, k, v, None, None, None, 0.25, False, True) == 0  # no lengths
    assert ext.attention(q, k, v.transpose(1, 2).contiguous().transpose(1, 2), *args[3:]) == 0
    monkeypatch.setenv("FLASHSIGMOID_AUTOTUNE", "0")
    assert ext.attention(*args) == 0  # the variables are part of the key
    monkeypatch.setenv("FLASHSIGMOID_NATIVE", "0")
    assert ext.attention(q, k, v, None, None, None, 9.0, False, False) == 1


@pytest.mark.slow
def test_the_extension_checks_recipes(ext):
    q = torch.zeros(1, 8, 1, 16)
    args = (q, q, q, None, None, None, 0.125, True, False)
    good = [(0, (1, 1, 1), 128, 0, 1, False, False, 0, [(0, b"\0\0\0\0"), (1, 3, 0)])]
    ext.register_forward(*args, good)
    with pytest.raises(RuntimeError, match="unknown parameter kind 7"):
        ext.register_forward(
            q, q, q, None, None, None, 0.5, True, False, [(*good[0][:8], [(7, 0)])]
        )
    with pytest.raises(RuntimeError, match="grid of three"):
        ext.register_forward(
            q, q, q, None, None, None, 0.75, True, False, [(0, (1, 1), *good[0][2:])]
        )
    with pytest.raises(RuntimeError, match="no entry"):
        ext.register_backward(10**6, [1], good)


def test_constants_are_packed_as_tritons_launcher_packs_them():
    assert native._const("i32", -2) == (0, struct.pack("<i", -2))
    assert native._const("i64", 2**40) == (0, struct.pack("<q", 2**40))
    assert native._const("i1", True) == (0, b"\x01")
    assert native._const("fp32", 0.5) == (0, struct.pack("<f", 0.5))
    assert native._const("bf16", 1.5) == (0, b"\xc0\x3f")  # 1.5f = 0x3fc00000
    with pytest.raises(native.Unreplayable):
        native._const("fp8e5", 1.0)


def _desc(base, shape, strides, block, padding="zero"):
    return SimpleNamespace(base=base, shape=shape, strides=strides, block_shape=block,
                           padding=padding)  # fmt: skip


def test_a_tma_descriptor_expands_as_tritons_launcher_expands_it():
    base = torch.zeros(2, 300, 512, dtype=torch.bfloat16)
    meta = dict(swizzle=3, elem_size=2, elem_type=10, block_size=[1, 64, 64], fp4_padded=False)
    params = native._descriptor(
        _desc(base, [2, 300, 512], [153600, 512, 1], [1, 64, 64]), meta, (None, base)
    )
    tma, *rest = params
    kind, slot, elem_type, swizzle, fill, dims, strides, box = tma
    assert (kind, slot, swizzle, fill) == (2, 1, 3, 0)
    assert elem_type == 9  # Triton's device enum 10 is the host's 9 (bfloat16)
    assert dims == [512, 300, 2] and box == [64, 64, 1]
    assert strides == [1024, 307200, 2 * 307200]  # bytes, innermost first, then a last one
    assert rest == [native._const("i32", x) for x in (2, 300, 512)] + [
        native._const("i64", x) for x in (153600, 512, 1)
    ]
    with pytest.raises(native.Unreplayable):  # a base that is none of the call's tensors
        native._descriptor(
            _desc(base.clone(), [2, 300, 512], [153600, 512, 1], [1, 64, 64]), meta, (base,)
        )


def test_a_descriptor_lowered_without_a_tensor_map_is_pointer_shape_strides():
    base = torch.zeros(4, 16)
    params = native._descriptor(_desc(base, [4, 16], [16, 1], [2, 16], "nan"), None, (base,))
    assert params[0] == (1, 0, 0)
    assert params[1:5] == [native._const("i64", x) for x in (4, 16, 16, 1)]
    assert params[5] == native._const("i1", True)
    assert params[6:] == [native._const("i32", 4), native._const("i32", 16)] + [
        native._const("i64", 16),
        native._const("i64", 1),
    ]


def _compiled(signature, **meta):
    defaults = dict(num_warps=4, num_ctas=1, shared=1024, launch_cooperative_grid=False,
                    launch_pdl=False, global_scratch_size=0, profile_scratch_size=0)  # fmt: skip
    return SimpleNamespace(
        function=0xBEEF, src=SimpleNamespace(signature=signature),
        metadata=SimpleNamespace(**{**defaults, **meta}),
    )  # fmt: skip


def test_a_recorded_launch_becomes_a_recipe():
    q, out = torch.zeros(2, 8, 1, 16), torch.zeros(2, 8, 1, 16)
    view = out[1]  # a view into a slot: its offset in bytes
    signature = {
        "Q": "*bf16",
        "O": "*bf16",
        "V": "*bf16",
        "n": "i32",
        "s": "fp32",
        "B": "constexpr",
    }
    item = (_compiled(signature), (3, 2, 1), (q, out, view, 8, 0.5), (64,))
    [spec] = native.recipe([item], (q, None, out))
    function, grid, threads, shared, ctas, coop, pdl, scratch, params = spec
    assert (function, grid, threads, shared, ctas, coop, pdl, scratch) == (
        0xBEEF, (3, 2, 1), 128, 1024, 1, False, False, 0
    )  # fmt: skip
    assert params == [(1, 0, 0), (1, 2, 0), (1, 2, 8 * 16 * 4), native._const("i32", 8),
                      native._const("fp32", 0.5)]  # fmt: skip


def test_launches_that_cannot_be_replayed_leave_no_recipe():
    q = torch.zeros(1, 4, 1, 16)
    signature = {"Q": "*fp32", "n": "i32"}
    assert native.recipe([(_compiled(signature), (1, 1, 1), (q.clone(), 4), ())], (q,)) is None
    assert native.recipe([launcher.UNREPLAYABLE], (q,)) is None
    assert native.recipe([], (q,)) is None
    profiled = _compiled(signature, profile_scratch_size=64)
    assert native.recipe([(profiled, (1, 1, 1), (q, 4), ())], (q,)) is None


def test_recording_collects_this_threads_launches_only():
    with launcher.recording() as launches:
        launcher.record("a")
        other = threading.Thread(target=launcher.record, args=("b",))
        other.start()
        other.join()
    launcher.record("c")
    assert launches == ["a"]


def test_a_failed_build_names_the_compiler_and_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASHSIGMOID_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("CXX", "false")
    with pytest.raises(RuntimeError, match="false exited 1"):
        native._build()
    assert list(tmp_path.iterdir()) == []
