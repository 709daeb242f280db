"""Check nas's exports against nas's own outputs.

    check_export.py CASE_DIR...

Each CASE_DIR holds what the cli test `export_python` wrote: `reference.safetensors`
(`input` [16, C, H, W], the normalised images, `logits`, nas's outputs on them, and
`logits_f64`, nas's outputs with the same weights in float64, to show float32 rounding),
`model.onnx` (`nas export --format onnx`), `torch/` (`nas export --format torch`) and
`expect.json` (optionally `params`: the PyTorch parameter count). Per case: the ONNX model
passes `onnx.checker.check_model(full_check=True)` and carries its metadata, onnxruntime's
and nas_torch's outputs match nas's within 1e-4, and nas_torch refuses a folder whose
weights lack a tensor. Prints one line per case and a closing `N passed, M failed`.
"""

import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from safetensors.numpy import load_file
from safetensors.torch import load_file as load_torch, save_file

import nas_torch

TOL = 1e-4


def check_onnx(case: Path, x: np.ndarray, want: np.ndarray) -> float:
    path = case / "model.onnx"
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert [(o.domain, o.version) for o in model.opset_import] == [("", 17)], model.opset_import
    meta = {p.key: p.value for p in model.metadata_props}
    for key in ("classes", "input_size", "mean", "std"):
        assert isinstance(json.loads(meta[key]), list), (key, meta[key])
    assert meta["genotype"] and meta["ir_hash"], meta
    assert json.loads(meta["input_size"]) == list(x.shape[1:]), meta["input_size"]
    (inp,) = model.graph.input
    assert inp.name == "input", inp.name
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (out,) = sess.run(None, {"input": x})
    assert out.shape == want.shape, (out.shape, want.shape)
    return float(np.abs(out - want).max())


def check_torch(case: Path, x: np.ndarray, want: np.ndarray):
    model = nas_torch.load(case / "torch")
    with torch.no_grad():
        out = model(torch.from_numpy(x)).numpy()
    assert out.shape == want.shape, (out.shape, want.shape)
    params = sum(p.numel() for p in model.parameters())
    return float(np.abs(out - want).max()), params


def check_refusal(case: Path) -> None:
    """A folder whose weights lack a tensor is refused with the tensor's name."""
    with tempfile.TemporaryDirectory() as tmp:
        broken = Path(tmp) / "torch"
        shutil.copytree(case / "torch", broken)
        tensors = load_torch(str(broken / "weights.safetensors"))
        dropped = sorted(tensors)[0]
        del tensors[dropped]
        save_file(tensors, str(broken / "weights.safetensors"))
        try:
            nas_torch.load(broken)
        except nas_torch.NasTorchError as e:
            assert dropped in str(e), str(e)
        else:
            raise AssertionError(f"a folder without `{dropped}` loaded")


def check_case(case: Path) -> None:
    ref = load_file(str(case / "reference.safetensors"))
    x, want = ref["input"], ref["logits"]
    expect = json.loads((case / "expect.json").read_text()) if (case / "expect.json").exists() else {}
    # the logits must depend on the input well above the tolerance, or the test says nothing
    spread = float(want.std(axis=0).max())
    assert spread > 10 * TOL, f"the logits hardly vary across inputs (std {spread:.1e})"
    rounding = float(np.abs(want - ref["logits_f64"]).max())
    onnx_diff = check_onnx(case, x, want)
    torch_diff, params = check_torch(case, x, want)
    check_refusal(case)
    print(
        f"{case.name}: {x.shape[0]} inputs {list(x.shape[1:])}, logits {list(want.shape[1:])} "
        f"(max |logit| {np.abs(want).max():.2f}, spread over inputs {spread:.2f}): "
        f"check_model(full_check=True) ok; max |onnxruntime - nas| = {onnx_diff:.2e}; "
        f"max |nas_torch - nas| = {torch_diff:.2e} (nas float32 vs float64: {rounding:.2e}); "
        f"nas_torch parameters {params:,}"
    )
    assert onnx_diff <= TOL, f"onnxruntime differs from nas by {onnx_diff:.2e} > {TOL}"
    assert torch_diff <= TOL, f"nas_torch differs from nas by {torch_diff:.2e} > {TOL}"
    if "params" in expect:
        assert params == expect["params"], f"{params:,} parameters, expected {expect['params']:,}"


def main(cases) -> int:
    torch.set_num_threads(2)
    passed = failed = 0
    for case in map(Path, cases):
        try:
            check_case(case)
            passed += 1
        except Exception as e:  # report every case, then fail
            print(f"{case.name}: FAILED: {type(e).__name__}: {e}")
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
