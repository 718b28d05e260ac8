#!/usr/bin/python3
"""Builds the stored-format fixtures of Generator.Tests/Fixtures/PyTorch/ (bfloat16 and int8 weights).

Run from anywhere, after tools/make_fixtures.py (it reads that script's committed float32 weights):

    /usr/bin/python3 tools/make_format_fixtures.py [fixture_dir]

For each model of FORMAT_MODELS it loads {name}.f32.safetensors into the model tools/make_fixtures.py builds, and
writes, with {name}.inputs.bin as input:
  {name}.int8.expected.bin   float32 LE (37, out): the eval-mode outputs of the network whose dense layers store
                             int8 weights with one scale per output, computed with the dequantised weights q * scale;
  {name}.bf16w.expected.bin  the same with the dense weights rounded to bfloat16 (biases and the rest float32);
  {name}.int8dyn.expected.bin  the same network in WeightFormat.Int8Dynamic: the int8 weights and scales above, and
                             each dense layer's input quantised per row when it runs (NumPy, the rule below);
  {name}.int8.safetensors    the int8 file: every nn.Linear not followed by a BatchNorm stores weight as I8
                             (out, in) and weight_scale as F32 (out) (the compressed-tensors naming); the rest float32.
The rule StaticNet documents, applied here independently of its C# code:
  * a BatchNorm right after a Linear is folded first, in float64, rounded once to float32:
    W' = W * s, b' = (b - mean) * s + beta, s = gamma / sqrt(var + eps); then the folded weights are converted;
  * int8: scale = max|w| / 127 per output (float32), q = round-half-to-even(w / scale) (float32 division) clamped
    to [-127, 127]; a row whose scale is 0 gets q = 0;
  * bfloat16: round to nearest, ties to even (w.to(torch.bfloat16)).
  * int8 with dynamic int8 inputs, per row x of a dense layer's input (every step float32 unless said otherwise):
    m = max|x|; a NaN or inf in the row makes every output NaN; inv = 127 / m, and if inv is inf (m = 0 or tiny)
    qx = 0 and sx = 0, else qx = clip(rint(x * inv), -127, 127) (rint: half to even) and sx = m / 127;
    acc = sum_k qx * q (exact integers); y = float32(acc) * (sx * scale) + bias, then the activation.
"""

import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402
from safetensors_io import read_safetensors, save_safetensors  # noqa: E402

# name, builder, in, out, pairs (Linear attribute path, BatchNorm attribute path folded into it)
FORMAT_MODELS = [
    ("seq_mlp", mf.build_seq_mlp, 20, 5, []),
    ("seq_bn", mf.build_seq_bn, 17, 3, [("0", "1")]),
    ("named", mf.Named, 12, 4, [("layer1", "bn1"), ("layer2", "bn2")]),
    ("wide_odd", mf.build_wide_odd, 97, 1, []),
    ("seq_smooth", mf.build_seq_smooth, 19, 6, []),
]


def quantize_rows(w):
    """(q as int8, scale as float32) per output row, by the documented rule."""
    scale = w.abs().amax(dim=1) / 127
    safe = torch.where(scale == 0, torch.ones_like(scale), scale)
    q = torch.round(w / safe[:, None]).clamp(-127, 127)
    q = torch.where(scale[:, None] == 0, torch.zeros_like(q), q)
    return q.to(torch.int8), scale.to(torch.float32)


def dynamic_linear(x, q, scale, bias):
    """WeightFormat.Int8Dynamic's dense layer in NumPy: x (rows, in) float32, q (out, in) int8, scale and bias (out)."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    q = q.astype(np.int64)
    scale = scale.astype(np.float32)
    bias = bias.astype(np.float32)
    y = np.empty((x.shape[0], q.shape[0]), dtype=np.float32)
    for r, row in enumerate(x):
        if not np.isfinite(row).all():
            y[r] = np.nan
            continue
        m = np.abs(row).max()
        with np.errstate(divide="ignore", over="ignore"):
            inv = np.float32(127) / m
        if np.isinf(inv):
            qx = np.zeros(row.shape, dtype=np.int64)
            sx = np.float32(0)
        else:
            qx = np.clip(np.rint(row * inv), -127, 127).astype(np.int64)
            sx = m / np.float32(127)
        acc = q @ qx
        assert np.abs(acc).max(initial=0) < 2**31
        y[r] = acc.astype(np.float32) * (sx * scale) + bias
    return y


class DynamicLinear(nn.Module):
    """An nn.Linear in WeightFormat.Int8Dynamic: the int8 weights and scales of quantize_rows, inputs quantised per row."""

    def __init__(self, weight, bias):
        super().__init__()
        q, scale = quantize_rows(weight)
        self.q = q.numpy()
        self.scale = scale.numpy()
        self.bias = (bias if bias is not None else torch.zeros(weight.shape[0])).detach().float().numpy()

    def forward(self, x):
        return torch.from_numpy(dynamic_linear(x.detach().numpy(), self.q, self.scale, self.bias))


def folded(linear, bn):
    """The Linear's weight and bias with the BatchNorm folded in, in float64, rounded once to float32."""
    s = bn.weight.double() / torch.sqrt(bn.running_var.double() + bn.eps)
    w = (linear.weight.double() * s[:, None]).float()
    b = linear.bias.double() if linear.bias is not None else torch.zeros_like(s)
    return w, ((b - bn.running_mean.double()) * s + bn.bias.double()).float()


def reference(model, pairs, fmt):
    """A float32 copy of the model whose Linear weights are the stored format's values (BatchNorms folded first)."""
    m = mf.copy.deepcopy(model).eval()
    fold = dict(pairs)
    with torch.no_grad():
        for path, module in list(m.named_modules()):
            if not isinstance(module, nn.Linear):
                continue
            if path in fold:
                bn = m.get_submodule(fold[path])
                w, b = folded(module, bn)
                module.bias = nn.Parameter(b)
                parent, _, child = fold[path].rpartition(".")
                setattr(m.get_submodule(parent) if parent else m, child, nn.Identity())
            else:
                w = module.weight.detach().clone()
            if fmt == "int8dyn":
                parent, _, child = path.rpartition(".")
                setattr(m.get_submodule(parent) if parent else m, child, DynamicLinear(w, module.bias))
                continue
            if fmt == "int8":
                q, scale = quantize_rows(w)
                w = q.float() * scale[:, None]
            else:
                w = w.to(torch.bfloat16).float()
            module.weight.copy_(w)
    return m


def int8_file(model, pairs):
    """The state_dict with every Linear not followed by a BatchNorm as I8 weight + F32 weight_scale."""
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    folded_paths = {linear for linear, _ in pairs}
    for path, module in model.named_modules():
        if isinstance(module, nn.Linear) and path not in folded_paths:
            q, scale = quantize_rows(module.weight.detach())
            state[f"{path}.weight"] = q.contiguous()
            state[f"{path}.weight_scale"] = scale.contiguous()
    return state


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else mf.DEFAULT_OUT
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    for name, builder, in_f, out_f, pairs in FORMAT_MODELS:
        torch.manual_seed(0)
        model = builder()
        _, stored = read_safetensors(os.path.join(out_dir, f"{name}.f32.safetensors"))
        model.load_state_dict({k: v for k, v in stored.items()})
        model.eval()
        inputs = mf.read_f32(os.path.join(out_dir, f"{name}.inputs.bin"), in_f)
        with torch.no_grad():
            f32 = model(inputs)
            assert torch.equal(f32, mf.read_f32(os.path.join(out_dir, f"{name}.f32.expected.bin"), out_f)), name
            for fmt, tag in (("int8", "int8"), ("bf16", "bf16w"), ("int8dyn", "int8dyn")):
                out = reference(model, pairs, fmt)(inputs)
                assert out.shape == (mf.BATCH, out_f) and torch.isfinite(out).all()
                mf.write_f32(os.path.join(out_dir, f"{name}.{tag}.expected.bin"), out)
                print(f"{name} {fmt}: max |y - y_f32| = {(out - f32).abs().max().item():.3g}")
        path = os.path.join(out_dir, f"{name}.int8.safetensors")
        save_safetensors(int8_file(model, pairs), path)
        _, back = read_safetensors(path)
        for key, value in int8_file(model, pairs).items():
            assert torch.equal(back[key], value), (path, key)
    print(f"wrote {len(FORMAT_MODELS)} models x (int8, bf16w, int8dyn) in {out_dir}")


if __name__ == "__main__":
    main()
