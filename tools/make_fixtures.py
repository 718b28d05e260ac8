#!/usr/bin/python3
"""Builds the PyTorch reference fixtures of Generator.Tests/Fixtures/PyTorch/.

Run from anywhere (needs Debian's python3-torch and python3-numpy, see tools/README.md):

    /usr/bin/python3 tools/make_fixtures.py [output_dir]

For each model (seq_mlp, seq_bn, named, standalone_bn, wide_odd, seq_smooth, named_layernorm, and the
convolutional lenet, cnn_odd and cnn_1d) the script, with fixed seeds:
  1. builds it and trains it briefly (Adam, model.train()) on a synthetic task whose inputs have a
     non-zero per-feature mean and a non-unit scale, so BatchNorm running statistics and affine
     parameters end far from their defaults (0/1); LayerNorm's weight and bias start from random
     values instead of 1/0 (and are checked to stay far from them);
  2. switches to model.eval() and writes
       {name}.f32.safetensors, {name}.f16.safetensors, {name}.bf16.safetensors
         every key of the state_dict; floating tensors in the file's dtype, the rest
         (BatchNorm's num_batches_tracked, I64, shape []) as they are;
       {name}.inputs.bin
         float32 LE, (37, in_features) row-major (a convolutional model reads each row as its
         (C, L) or (C, H, W) sample, like StaticNet's [InputShape]): 33 rows of randn*2, then 4 saturation rows
         (|x| in [30, 60]: all positive, all negative, alternating signs, random signs);
       {name}.{f32,f16,bf16}.expected.bin
         float32 LE, (37, out_features): the eval-mode outputs, computed in float32 after every
         floating parameter and buffer was replaced by its value rounded to that dtype, i.e. exactly
         the function the matching .safetensors file encodes;
  3. writes manifest.json and re-reads every file with a strict reader (tools/safetensors_io.py)
     to check keys, offsets, values and that reloading the weights reproduces the expected outputs
     bit for bit; for the models with LayerNorm and the smooth activations it also checks that the
     float32 outputs are within 3e-6 * max(1, |y|) of the same network in float64, so they leave
     a float32 implementation room within the parity tolerance of 1e-5 * max(1, |y|).

The outputs are committed: the C# tests never run Python.
"""

import copy
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import read_safetensors, save_safetensors  # noqa: E402

BATCH = 37
RANDOM_ROWS = 33
TRAIN_STEPS = 400
TRAIN_BATCH = 128
DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO, "Generator.Tests", "Fixtures", "PyTorch")


class Named(nn.Module):
    """Named children instead of a Sequential: keys are layer1.weight, bn1.running_mean, ..."""

    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(12, 24)
        self.bn1 = nn.BatchNorm1d(24, eps=1e-3)
        self.layer2 = nn.Linear(24, 10, bias=False)
        self.bn2 = nn.BatchNorm1d(10)
        self.head = nn.Linear(10, 4)

    def forward(self, x):
        x = F.relu(self.bn1(self.layer1(x)))
        x = torch.tanh(self.bn2(self.layer2(x)))
        return F.softmax(self.head(x), dim=1)


class NamedLayerNorm(nn.Module):
    """Named children with LayerNorm first (custom eps) and between layers; functional activations."""

    LAYERS = [
        "norm_in: LayerNorm((13,), eps=0.01, elementwise_affine=True)",
        "fc1: Linear(in_features=13, out_features=31, bias=True)",
        "gelu (functional)",
        "norm1: LayerNorm((31,), eps=1e-05, elementwise_affine=True)",
        "head: Linear(in_features=31, out_features=5, bias=True)",
        "softplus (functional)",
    ]

    def __init__(self):
        super().__init__()
        self.norm_in = nn.LayerNorm(13, eps=1e-2)
        self.fc1 = nn.Linear(13, 31)
        self.norm1 = nn.LayerNorm(31)
        self.head = nn.Linear(31, 5)
        randomise_layernorms(self)

    def forward(self, x):
        x = F.gelu(self.fc1(self.norm_in(x)))
        return F.softplus(self.head(self.norm1(x)))


def randomise_layernorms(model):
    """weight in [0.5, 1.5] and bias in [-0.5, 0.5] instead of 1 and 0, so a C# side that ignored them fails."""
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, nn.LayerNorm):
                mod.weight.copy_(torch.rand_like(mod.weight) + 0.5)
                mod.bias.copy_(torch.rand_like(mod.bias) - 0.5)
    return model


def build_seq_smooth():
    return randomise_layernorms(nn.Sequential(
        nn.Linear(19, 40), nn.LayerNorm(40), nn.GELU(), nn.Linear(40, 33), nn.SiLU(),
        nn.Linear(33, 17), nn.ELU(alpha=0.7), nn.Linear(17, 24), nn.Softplus(beta=1.5, threshold=4.0),
        nn.Linear(24, 6), nn.GELU(approximate="tanh"),
    ))


class ShapedSequential(nn.Sequential):
    """An nn.Sequential whose flat input rows are reshaped to (C, L) or (C, H, W) first: the keys stay 0.weight, ..."""

    def __init__(self, shape, *layers):
        super().__init__(*layers)
        self.shape = shape

    def forward(self, x):
        return super().forward(x.reshape(x.shape[0], *self.shape))


def build_lenet():
    """API.md's example: padding, max pooling, a BatchNorm2d after a convolution, Flatten, Dropout."""
    return ShapedSequential(
        (1, 28, 28),
        nn.Conv2d(1, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 5), nn.BatchNorm2d(16), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 64), nn.ReLU(), nn.Dropout(0.25), nn.Linear(64, 10),
    )


def build_cnn_odd():
    """Stride, dilation, groups, no bias, a non-square odd input, average pooling with padding."""
    return ShapedSequential(
        (3, 13, 9),
        nn.Conv2d(3, 20, 3, stride=2, padding=1), nn.Tanh(),
        nn.Conv2d(20, 20, 3, padding=2, dilation=2, groups=4, bias=False), nn.BatchNorm2d(20),
        nn.AvgPool2d(3, stride=2, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(240, 5), nn.Softmax(dim=1),
    )


class Cnn1d(nn.Module):
    """One-dimensional, named children: a depthwise convolution, a BatchNorm1d after an activation, pooling with stride and padding."""

    LAYERS = [
        "conv1: Conv1d(4, 17, kernel_size=(5,), stride=(1,), padding=(2,))",
        "relu (functional)",
        "max_pool1d(3, stride=2, padding=1) (functional)",
        "depthwise: Conv1d(17, 17, kernel_size=(3,), stride=(1,), groups=17)",
        "sigmoid (functional)",
        "bn: BatchNorm1d(17, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)",
        "avg_pool1d(2) (functional)",
        "flatten (functional)",
        "head: Linear(in_features=187, out_features=3, bias=True)",
    ]

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(4, 17, 5, padding=2)
        self.depthwise = nn.Conv1d(17, 17, 3, groups=17)
        self.bn = nn.BatchNorm1d(17)
        self.head = nn.Linear(187, 3)

    def forward(self, x):
        x = F.max_pool1d(F.relu(self.conv1(x.reshape(x.shape[0], 4, 50))), 3, stride=2, padding=1)
        x = F.avg_pool1d(self.bn(torch.sigmoid(self.depthwise(x))), 2)
        return self.head(torch.flatten(x, 1))


def build_seq_mlp():
    return nn.Sequential(
        nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 5), nn.Softmax(dim=1)
    )


def build_seq_bn():
    return nn.Sequential(
        nn.Linear(17, 33), nn.BatchNorm1d(33), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(33, 9), nn.LeakyReLU(0.1), nn.Linear(9, 3), nn.Sigmoid(),
    )


def build_standalone_bn():
    return nn.Sequential(
        nn.BatchNorm1d(8), nn.Linear(8, 16), nn.Sigmoid(), nn.BatchNorm1d(16), nn.Linear(16, 7)
    )


def build_wide_odd():
    return nn.Sequential(
        nn.Linear(97, 257), nn.ReLU(), nn.Linear(257, 31), nn.LeakyReLU(0.01), nn.Linear(31, 1), nn.Sigmoid()
    )


NAMED_LAYERS = [
    "layer1: Linear(in_features=12, out_features=24, bias=True)",
    "bn1: BatchNorm1d(24, eps=0.001, momentum=0.1, affine=True, track_running_stats=True)",
    "relu (functional)",
    "layer2: Linear(in_features=24, out_features=10, bias=False)",
    "bn2: BatchNorm1d(10, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)",
    "tanh (functional)",
    "head: Linear(in_features=10, out_features=4, bias=True)",
    "softmax(dim=1) (functional)",
]

# name, builder, in, out, task ("softmax": class targets / NLL on log of the output,
# "sigmoid": binary targets / BCE, "regression": MSE), seed
MODELS = [
    ("seq_mlp", build_seq_mlp, 20, 5, "softmax", 1001),
    ("seq_bn", build_seq_bn, 17, 3, "sigmoid", 1002),
    ("named", Named, 12, 4, "softmax", 1003),
    ("standalone_bn", build_standalone_bn, 8, 7, "regression", 1004),
    ("wide_odd", build_wide_odd, 97, 1, "sigmoid", 1005),
    ("seq_smooth", build_seq_smooth, 19, 6, "regression", 1006),
    ("named_layernorm", NamedLayerNorm, 13, 5, "regression", 1007),
    ("lenet", build_lenet, 784, 10, "regression", 1008),
    ("cnn_odd", build_cnn_odd, 351, 5, "softmax", 1009),
    ("cnn_1d", Cnn1d, 200, 3, "regression", 1010),
]

# Models whose float32 outputs are also compared with a float64 copy of themselves (see check_float64).
FLOAT64_CHECKED = {"seq_smooth", "named_layernorm"}


def describe(model):
    if isinstance(model, nn.Sequential):
        return [f"{i}: {m!r}" for i, m in enumerate(model)]
    return list(getattr(model, "LAYERS", NAMED_LAYERS))


def synthetic_task(in_f, out_f, task, gen, n=8192):
    """Inputs with per-feature mean in [-4, 4] and scale in [0.5, 3]; targets from a random teacher."""
    mean = (torch.rand(in_f, generator=gen) * 8 - 4)
    scale = torch.rand(in_f, generator=gen) * 2.5 + 0.5
    x = torch.randn(n, in_f, generator=gen) * scale + mean
    z = (x - mean) / scale
    w1 = torch.randn(in_f, 32, generator=gen) / in_f ** 0.5
    w2 = torch.randn(32, out_f, generator=gen) / 32 ** 0.5
    t = torch.tanh(z @ w1) @ w2 * 3
    if task == "softmax":
        y = t.argmax(dim=1)
    elif task == "sigmoid":
        y = (t > t.median(dim=0).values).float()
    else:
        y = t
    return x, y


def train(model, in_f, out_f, task, seed):
    gen = torch.Generator().manual_seed(seed + 50000)
    x, y = synthetic_task(in_f, out_f, task, gen)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(TRAIN_STEPS):
        idx = torch.randint(0, x.shape[0], (TRAIN_BATCH,), generator=gen)
        out = model(x[idx])
        if task == "softmax":
            loss = F.nll_loss(torch.log(out.clamp_min(1e-12)), y[idx])
        elif task == "sigmoid":
            loss = F.binary_cross_entropy(out.clamp(1e-7, 1 - 1e-7), y[idx])
        else:
            loss = F.mse_loss(out, y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    return float(loss)


def make_inputs(in_f, seed):
    gen = torch.Generator().manual_seed(seed + 90000)
    rows = [torch.randn(RANDOM_ROWS, in_f, generator=gen) * 2]
    mag = lambda: torch.rand(1, in_f, generator=gen) * 30 + 30  # noqa: E731
    alternating = torch.tensor([1.0 if i % 2 == 0 else -1.0 for i in range(in_f)]).unsqueeze(0)
    random_sign = torch.where(torch.rand(1, in_f, generator=gen) < 0.5, -1.0, 1.0)
    rows += [mag(), -mag(), mag() * alternating, mag() * random_sign]
    x = torch.cat(rows).to(torch.float32).contiguous()
    assert x.shape == (BATCH, in_f)
    return x


def rounded_state_dict(model, dtype):
    """The state_dict with floating tensors in `dtype` (others unchanged), as stored in the file."""
    return {
        k: (v.detach().to(dtype).contiguous() if v.is_floating_point() else v.detach().contiguous())
        for k, v in model.state_dict().items()
    }


def rounded_model(model, dtype):
    """A copy of the model whose floating parameters and buffers are dtype-rounded, in float32."""
    m = copy.deepcopy(model)
    with torch.no_grad():
        for t in list(m.parameters()) + list(m.buffers()):
            if t.is_floating_point():
                t.copy_(t.to(dtype).to(torch.float32))
    m.eval()
    return m


def write_f32(path, t):
    t = t.detach().to(torch.float32).contiguous()
    with open(path, "wb") as f:
        f.write(t.numpy().astype("<f4", copy=False).tobytes(order="C"))


def read_f32(path, cols):
    import numpy as np

    a = np.fromfile(path, dtype="<f4")
    assert a.size % cols == 0, path
    return torch.from_numpy(a.reshape(-1, cols).copy())


def check_batchnorm(name, model):
    """Fails unless every BatchNorm is far from the identity (so a C# side that ignored it would fail).

    Its eval-mode function is y = x * scale + shift with scale = weight / sqrt(running_var + eps) and
    shift = bias - running_mean * scale; the running statistics themselves must also be far from 0/1.
    """
    for mod_name, mod in model.named_modules():
        if isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d)):
            rm, rv = mod.running_mean, mod.running_var
            scale = mod.weight / torch.sqrt(rv + mod.eps)
            shift = mod.bias - rm * scale
            mean_far = rm.abs().max().item()
            var_far = rv.log().abs().max().item()
            print(f"  {name}.{mod_name}: running_mean in [{rm.min().item():.3f}, {rm.max().item():.3f}], "
                  f"running_var in [{rv.min().item():.3f}, {rv.max().item():.3f}], "
                  f"num_batches_tracked {int(mod.num_batches_tracked)}; "
                  f"scale in [{scale.min().item():.3f}, {scale.max().item():.3f}], "
                  f"shift in [{shift.min().item():.3f}, {shift.max().item():.3f}]")
            assert mean_far > 0.5 or var_far > 0.5, f"{name}.{mod_name}: running stats too close to 0/1"
            assert (scale - 1).abs().max().item() > 0.25, f"{name}.{mod_name}: scale too close to 1"
            assert shift.abs().max().item() > 0.25, f"{name}.{mod_name}: shift too close to 0"


def check_layernorm(name, model):
    """Fails unless every LayerNorm's weight and bias are far from 1 and 0."""
    for mod_name, mod in model.named_modules():
        if isinstance(mod, nn.LayerNorm):
            w, b = mod.weight, mod.bias
            print(f"  {name}.{mod_name}: eps {mod.eps}, weight in [{w.min().item():.3f}, {w.max().item():.3f}], "
                  f"bias in [{b.min().item():.3f}, {b.max().item():.3f}]")
            assert (w - 1).abs().max().item() > 0.25, f"{name}.{mod_name}: weight too close to 1"
            assert b.abs().max().item() > 0.25, f"{name}.{mod_name}: bias too close to 0"


def check_float64(name, model, inputs, out):
    """The float32 outputs against the same network in float64: how much float32 rounding alone moves them."""
    with torch.no_grad():
        exact = copy.deepcopy(model).double()(inputs.double())
    error = ((out.double() - exact).abs() / exact.abs().clamp_min(1.0)).max().item()
    print(f"  {name}: float32 vs float64 outputs, max |d| / max(1, |y|) = {error:.2e}")
    assert error < 3e-6, f"{name}: float32 rounding alone moves the outputs by {error:.2e}"


def verify(out_dir, name, builder, in_f, out_f, model):
    inputs = read_f32(os.path.join(out_dir, f"{name}.inputs.bin"), in_f)
    assert inputs.shape == (BATCH, in_f)
    keys = list(model.state_dict().keys())
    for tag, dtype in DTYPES.items():
        path = os.path.join(out_dir, f"{name}.{tag}.safetensors")
        meta, tensors = read_safetensors(path)
        assert meta == {"format": "pt"}, meta
        assert sorted(tensors) == sorted(keys), (path, sorted(tensors), sorted(keys))
        ref = rounded_state_dict(model, dtype)
        for k, v in tensors.items():
            assert v.dtype == ref[k].dtype and v.shape == ref[k].shape, (path, k, v.dtype, v.shape)
            assert torch.equal(v, ref[k]), (path, k)
            if k.endswith("num_batches_tracked"):
                assert v.dtype == torch.int64 and v.shape == (), (path, k)
        fresh = builder()
        fresh.load_state_dict({k: (v.to(torch.float32) if v.is_floating_point() else v)
                               for k, v in tensors.items()}, strict=True)
        fresh.eval()
        with torch.no_grad():
            got = fresh(inputs)
        expected = read_f32(os.path.join(out_dir, f"{name}.{tag}.expected.bin"), out_f)
        assert expected.shape == (BATCH, out_f)
        assert torch.equal(got, expected), (path, (got - expected).abs().max())
        assert torch.isfinite(expected).all(), path


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    manifest = []
    built = []
    for name, builder, in_f, out_f, task, seed in MODELS:
        torch.manual_seed(seed)
        model = builder()
        loss = train(model, in_f, out_f, task, seed)
        print(f"{name}: final training loss {loss:.4f}")
        check_batchnorm(name, model)
        check_layernorm(name, model)
        inputs = make_inputs(in_f, seed)
        write_f32(os.path.join(out_dir, f"{name}.inputs.bin"), inputs)
        for tag, dtype in DTYPES.items():
            save_safetensors(rounded_state_dict(model, dtype), os.path.join(out_dir, f"{name}.{tag}.safetensors"))
            rounded = rounded_model(model, dtype)
            with torch.no_grad():
                out = rounded(inputs)
            assert out.shape == (BATCH, out_f) and out.dtype == torch.float32
            if name in FLOAT64_CHECKED:
                check_float64(f"{name}.{tag}", rounded, inputs, out)
            write_f32(os.path.join(out_dir, f"{name}.{tag}.expected.bin"), out)
        manifest.append({
            "name": name,
            "in_features": in_f,
            "out_features": out_f,
            "batch": BATCH,
            "parameter_count": sum(p.numel() for p in model.parameters()),
            "layers": describe(model),
        })
        built.append((name, builder, in_f, out_f, model))
    with open(os.path.join(out_dir, "manifest.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    for name, builder, in_f, out_f, model in built:
        verify(out_dir, name, builder, in_f, out_f, model)
    print(f"verified {len(built)} models x {len(DTYPES)} dtypes in {out_dir}")


if __name__ == "__main__":
    main()
