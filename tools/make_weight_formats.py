#!/usr/bin/python3
"""Builds the NumPy, scikit-learn and ONNX fixtures of Generator.Tests/Fixtures/WeightFormats/.

Run from anywhere (Debian's python3-numpy, python3-sklearn, python3-onnx and python3-torch):

    /usr/bin/python3 tools/make_weight_formats.py [output_dir]

It writes, with fixed seeds:
  NumPy   one 12 -> 16 -> 8 -> 3 MLP (Dense, ReLU, Dense, Tanh, Dense) saved in every supported way:
          mlp.out_in.f32.npz (savez, PyTorch layout), mlp.in_out.f32.npz (savez, NumPy layout),
          mlp.in_out.f64.npz and mlp.in_out.f16.npz (savez_compressed), mlp.in_out.f32.fortran.npz
          (Fortran-order arrays), and single arrays: array.v1.f32.npy, array.v2.f64.fortran.npy,
          array.v3.f16.npy (header versions 1.0, 2.0, 3.0), scalar.f32.npy (0-d), vector.f64.npy (1-d).
  sklearn MLPClassifier on sklearn's digits, exported with StaticNet's naming (docs/weights.md):
          sklearn_digits.npz (relu, softmax output), sklearn_digits_binary.npz (tanh, logistic output),
          with predict_proba on held-out rows; digits.npz, the README's recipe as written (float64 weights,
          no rounding), with predict_proba and predict on the whole held-out quarter (450 rows).
  ONNX    torch_mlp.onnx, torch_flatten.onnx (torch.onnx.export, TorchScript exporter, opset 13),
          gemm.onnx (Gemm transB 1 and 0, alpha/beta != 1), matmul_add.onnx (MatMul + Add either operand
          order, a MatMul without Add), batchnorm.onnx (BatchNormalization, LeakyRelu), gelu.onnx (opset 20
          Gelu, both approximations), initializers.onnx (one tensor per storage: raw_data and typed fields,
          FLOAT, DOUBLE, FLOAT16, BFLOAT16, 0-d, an INT64 and an external-data tensor).
  manifest.json   for every file: each tensor's stored shape and where its expected float32 values sit in
                  expected.bin; for networks: the layer list, and the inputs/outputs (rows in inputs.bin /
                  outputs.bin) to check a forward pass against.
  expected.bin, inputs.bin, outputs.bin   float32 little-endian, concatenated; offsets in floats.

Reference outputs: scikit-learn's predict_proba (weights replaced by their float32 rounding first, so the
file encodes exactly the function measured); torch's eval-mode output for exported models; for the
onnx.helper models a NumPy evaluation of the ONNX operator definitions in float64 (this Debian onnx, 1.12,
has no onnx.reference.ReferenceEvaluator and there is no onnxruntime), cross-checked against torch where
torch has the operator. The C# tests never run Python.
"""

import io
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO, "Generator.Tests", "Fixtures", "WeightFormats")
ROWS = 9


class Sink:
    """Collects expected values, inputs and outputs into three float32 blobs and the manifest."""

    def __init__(self):
        self.expected, self.inputs, self.outputs = [], [], []
        self.sizes = {"expected": 0, "inputs": 0, "outputs": 0}
        self.manifest = {"files": {}}

    def _add(self, kind, array):
        flat = np.ascontiguousarray(array, dtype=np.float32).reshape(-1)
        getattr(self, kind).append(flat)
        offset = self.sizes[kind]
        self.sizes[kind] += flat.size
        return offset

    def tensor(self, file, name, stored, values=None):
        """stored: the array as the file holds it; values: its float32 reading (default: stored rounded)."""
        logical = np.asarray(stored if values is None else values)
        entry = self.manifest["files"].setdefault(file, {"tensors": {}})
        entry["tensors"][name] = {
            "shape": list(np.shape(stored)),
            "offset": self._add("expected", logical.astype(np.float32)),
        }

    def network(self, file, layers, layout, x, y, **extra):
        entry = self.manifest["files"].setdefault(file, {"tensors": {}})
        entry["network"] = dict(
            layers=layers,
            layout=layout,
            rows=int(x.shape[0]),
            inputOffset=self._add("inputs", x),
            inputSize=int(x.shape[1]),
            outputOffset=self._add("outputs", y),
            outputSize=int(y.shape[1]),
            **extra,
        )

    def write(self, out):
        for kind in ("expected", "inputs", "outputs"):
            data = np.concatenate(getattr(self, kind)) if getattr(self, kind) else np.zeros(0, np.float32)
            data.astype("<f4").tofile(os.path.join(out, f"{kind}.bin"))
        with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
            json.dump(self.manifest, f, indent=1, sort_keys=True)
            f.write("\n")


def write_npy(path, array, version):
    with open(path, "wb") as f:
        np.lib.format.write_array(f, array, version=version)


# ---------------------------------------------------------------- NumPy MLP, every storage variant

def numpy_mlp(out, sink):
    rng = np.random.default_rng(12)
    sizes = [12, 16, 8, 3]
    # (in, out) matrices, as NumPy's x @ W + b computes; PyTorch stores the transpose.
    weights = [rng.standard_normal((a, b)) / np.sqrt(a) for a, b in zip(sizes, sizes[1:])]
    biases = [rng.standard_normal(b) * 0.1 for b in sizes[1:]]
    positions = [0, 2, 4]
    layers = ["Dense(12, 16)", "ReLU", "Dense(16, 8)", "Tanh", "Dense(8, 3)"]
    x = rng.standard_normal((ROWS, 12)).astype(np.float32)

    def forward(ws, bs):
        h = x.astype(np.float64)
        for i, (w, b) in enumerate(zip(ws, bs)):
            h = h @ w.astype(np.float64) + b.astype(np.float64)
            if i == 0:
                h = np.maximum(h, 0)
            elif i == 1:
                h = np.tanh(h)
        return h

    variants = [
        ("mlp.out_in.f32.npz", np.float32, "out_in", np.savez, "C"),
        ("mlp.in_out.f32.npz", np.float32, "in_out", np.savez, "C"),
        ("mlp.in_out.f64.npz", np.float64, "in_out", np.savez_compressed, "C"),
        ("mlp.in_out.f16.npz", np.float16, "in_out", np.savez_compressed, "C"),
        ("mlp.in_out.f32.fortran.npz", np.float32, "in_out", np.savez, "F"),
    ]
    for file, dtype, layout, save, order in variants:
        arrays, ws, bs = {}, [], []
        for p, w, b in zip(positions, weights, biases):
            stored_w = (w if layout == "in_out" else w.T).astype(dtype)
            stored_w = np.asfortranarray(stored_w) if order == "F" else np.ascontiguousarray(stored_w)
            arrays[f"{p}.weight"] = stored_w
            arrays[f"{p}.bias"] = b.astype(dtype)
            # What the reader must give: the stored values rounded to float32 (float64 -> nearest float32).
            read_w = stored_w.astype(np.float32)
            ws.append(read_w if layout == "in_out" else read_w.T)
            bs.append(b.astype(dtype).astype(np.float32))
        save(os.path.join(out, file), **arrays)
        for name, a in arrays.items():
            sink.tensor(file, name, a, a.astype(np.float32))
        assert (order == "F") == np.load(os.path.join(out, file))["0.weight"].flags.f_contiguous
        sink.network(file, layers, layout, x, forward(ws, bs).astype(np.float32))

    single = [
        ("array.v1.f32.npy", np.float32, (1, 0), "C", (3, 5)),
        ("array.v2.f64.fortran.npy", np.float64, (2, 0), "F", (4, 3, 2)),
        ("array.v3.f16.npy", np.float16, (3, 0), "C", (2, 7)),
        ("scalar.f32.npy", np.float32, (1, 0), "C", ()),
        ("vector.f64.npy", np.float64, (1, 0), "C", (5,)),
    ]
    for file, dtype, version, order, shape in single:
        a = np.asarray(rng.standard_normal(shape) * 3, dtype=dtype)
        a = np.asfortranarray(a) if order == "F" else np.ascontiguousarray(a)
        write_npy(os.path.join(out, file), a, version)
        sink.tensor(file, "array", a, a.astype(np.float32))


# ---------------------------------------------------------------- scikit-learn

def sklearn_mlps(out, sink):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(digits.data, digits.target, test_size=0.25, random_state=0)
    activations = {"relu": "ReLU", "tanh": "Tanh", "logistic": "Sigmoid", "identity": None}

    cases = [
        ("sklearn_digits.npz", dict(hidden_layer_sizes=(32, 16), activation="relu"), y_train, y_test),
        ("sklearn_digits_binary.npz", dict(hidden_layer_sizes=(24,), activation="tanh"), y_train % 2, y_test % 2),
    ]
    for file, options, train_labels, test_labels in cases:
        clf = MLPClassifier(max_iter=300, random_state=0, **options).fit(x_train, train_labels)
        # The file holds float32 values (the reader rounds float64 the same way): measure that function.
        clf.coefs_ = [w.astype(np.float32).astype(np.float64) for w in clf.coefs_]
        clf.intercepts_ = [b.astype(np.float32).astype(np.float64) for b in clf.intercepts_]
        path = os.path.join(out, file)
        # The one-liner of docs/weights.md: Dense layers sit at positions 0, 2, 4, ... (an activation after each).
        np.savez(path, **{f"{2 * i}.{k}": a for i, (w, b) in enumerate(zip(clf.coefs_, clf.intercepts_)) for k, a in (("weight", w), ("bias", b))})

        layers = []
        for i, w in enumerate(clf.coefs_):
            layers.append(f"Dense({w.shape[0]}, {w.shape[1]})")
            if i < len(clf.coefs_) - 1:
                act = activations[clf.activation]
                if act:
                    layers.append(act)
        layers.append({"softmax": "Softmax", "logistic": "Sigmoid", "identity": None}[clf.out_activation_])
        layers = [l for l in layers if l]
        for i, (w, b) in enumerate(zip(clf.coefs_, clf.intercepts_)):
            sink.tensor(file, f"{2 * i}.weight", w)
            sink.tensor(file, f"{2 * i}.bias", b)
        x = x_test[:ROWS].astype(np.float32)
        proba = clf.predict_proba(x.astype(np.float64))
        # A logistic output has one unit; predict_proba reports [1 - p, p]: the network's output is column 1.
        y = proba[:, 1:] if clf.out_activation_ == "logistic" else proba
        accuracy = float(clf.score(x_test, test_labels))
        sink.network(file, layers, "in_out", x, y.astype(np.float32), testAccuracy=accuracy,
                     outActivation=clf.out_activation_)
        print(f"{file}: {layers}, test accuracy {accuracy:.4f}")


def sklearn_recipe(out, sink):
    """The README's scikit-learn recipe, line for line: train, export in one line, record what sklearn predicts."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    x, y = load_digits(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0)
    clf = MLPClassifier(hidden_layer_sizes=(32, 16), activation="relu", max_iter=300, random_state=0).fit(x_train, y_train)
    path = os.path.join(out, "digits.npz")
    np.savez(path, **{f"{2*i}.{k}": a for i, (w, b) in enumerate(zip(clf.coefs_, clf.intercepts_)) for k, a in (("weight", w), ("bias", b))})

    for i, (w, b) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        sink.tensor("digits.npz", f"{2 * i}.weight", w)
        sink.tensor("digits.npz", f"{2 * i}.bias", b)
    # sklearn computes in float64 with the float64 weights; the network reads them rounded to float32.
    proba = clf.predict_proba(x_test)
    predicted = clf.predict(x_test)
    sink.network("digits.npz", ["Dense(64, 32)", "ReLU", "Dense(32, 16)", "ReLU", "Dense(16, 10)", "Softmax"], "in_out",
                 x_test.astype(np.float32), proba.astype(np.float32), predictedClasses=[int(c) for c in predicted],
                 testAccuracy=float(clf.score(x_test, y_test)))
    print(f"digits.npz: {len(x_test)} rows, test accuracy {clf.score(x_test, y_test):.4f}")


# ---------------------------------------------------------------- ONNX: a float64 evaluator of the operators used

def erf(x):
    import math
    return np.vectorize(math.erf)(x)


def evaluate(model, x):
    values = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in model.graph.initializer}
    values[model.graph.input[0].name] = x.astype(np.float64)
    for node in model.graph.node:
        a = {at.name: helper.get_attribute_value(at) for at in node.attribute}
        ins = [values[n] for n in node.input if n]
        op = node.op_type
        if op == "Gemm":
            A, B = ins[0], ins[1]
            A = A.T if a.get("transA", 0) else A
            B = B.T if a.get("transB", 0) else B
            y = a.get("alpha", 1.0) * (A @ B)
            if len(ins) > 2:
                y = y + a.get("beta", 1.0) * ins[2]
        elif op == "MatMul":
            y = ins[0] @ ins[1]
        elif op == "Add":
            y = ins[0] + ins[1]
        elif op == "Relu":
            y = np.maximum(ins[0], 0)
        elif op == "LeakyRelu":
            y = np.where(ins[0] >= 0, ins[0], a.get("alpha", 0.01) * ins[0])
        elif op == "Sigmoid":
            y = 1 / (1 + np.exp(-ins[0]))
        elif op == "Tanh":
            y = np.tanh(ins[0])
        elif op == "Softmax":
            z = ins[0] - ins[0].max(axis=-1, keepdims=True)
            y = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
        elif op == "BatchNormalization":
            X, scale, bias, mean, var = ins
            y = (X - mean) / np.sqrt(var + a.get("epsilon", 1e-5)) * scale + bias
        elif op == "Gelu":
            X = ins[0]
            if a.get("approximate", b"none") in (b"tanh", "tanh"):
                y = 0.5 * X * (1 + np.tanh(np.sqrt(2 / np.pi) * (X + 0.044715 * X ** 3)))
            else:
                y = 0.5 * X * (1 + erf(X / np.sqrt(2)))
        elif op in ("Flatten", "Identity"):
            y = ins[0].reshape(ins[0].shape[0], -1)
        else:
            raise ValueError(f"no evaluator for {op}")
        values[node.output[0]] = y
    return values[model.graph.output[0].name]


def initializer(name, array):
    return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)


def make_model(nodes, inits, n_in, n_out, opset=13, check=True):
    graph = helper.make_graph(
        nodes, "net",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", n_in])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", n_out])],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_weight_formats.py")
    model.ir_version = 8
    if check:
        onnx.checker.check_model(model)
    return model


def save_onnx(out, sink, file, model, layers, rng, n_in, reference=None, expected_inits=None):
    onnx.save(model, os.path.join(out, file))
    for t in model.graph.initializer:
        values = numpy_helper.to_array(t)
        sink.tensor(file, t.name, values, values.astype(np.float32))
    x = rng.standard_normal((ROWS, n_in)).astype(np.float32) * 1.5
    y = evaluate(model, x)
    if reference is not None:
        ref = reference(x)
        assert np.allclose(ref, y, rtol=1e-5, atol=1e-6), (file, np.abs(ref - y).max())
        y = ref
    sink.network(file, layers, "onnx", x, np.asarray(y, dtype=np.float32),
                 opTypes=[n.op_type for n in model.graph.node])
    print(f"{file}: {[n.op_type for n in model.graph.node]} -> {layers}")


def onnx_helper_models(out, sink):
    rng = np.random.default_rng(3)

    def randn(*shape, scale=0.5):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    # Gemm with transB=1 (B is (out, in), as PyTorch exports nn.Linear) then transB=0 (B is (in, out)), alpha/beta != 1.
    model = make_model(
        [helper.make_node("Gemm", ["x", "W1", "C1"], ["h1"], name="fc1", transB=1, alpha=0.5, beta=2.0),
         helper.make_node("Relu", ["h1"], ["h2"], name="relu"),
         helper.make_node("Gemm", ["h2", "W2", "C2"], ["h3"], name="fc2", transB=0, alpha=1.5, beta=0.25),
         helper.make_node("Softmax", ["h3"], ["y"], name="softmax", axis=-1)],
        [initializer("W1", randn(6, 5)), initializer("C1", randn(6)),
         initializer("W2", randn(6, 4)), initializer("C2", randn(1, 4))], 5, 4)
    save_onnx(out, sink, "gemm.onnx", model, ["Dense(5, 6)", "ReLU", "Dense(6, 4)", "Softmax"], rng, 5)

    # MatMul + Add in both operand orders, then a MatMul with no Add (a Dense without bias).
    model = make_model(
        [helper.make_node("MatMul", ["x", "W1"], ["m1"], name="mm1"),
         helper.make_node("Add", ["m1", "b1"], ["a1"], name="add1"),
         helper.make_node("Tanh", ["a1"], ["t1"], name="tanh"),
         helper.make_node("MatMul", ["t1", "W2"], ["m2"], name="mm2"),
         helper.make_node("Add", ["b2", "m2"], ["a2"], name="add2"),
         helper.make_node("Sigmoid", ["a2"], ["s2"], name="sigmoid"),
         helper.make_node("MatMul", ["s2", "W3"], ["y"], name="mm3")],
        [initializer("W1", randn(5, 7)), initializer("b1", randn(7)),
         initializer("W2", randn(7, 3)), initializer("b2", randn(3)),
         initializer("W3", randn(3, 2))], 5, 2)
    save_onnx(out, sink, "matmul_add.onnx", model,
              ["Dense(5, 7)", "Tanh", "Dense(7, 3)", "Sigmoid", "Dense(3, 2, Bias = false)"], rng, 5)

    # BatchNormalization (epsilon) between Gemm and LeakyRelu.
    var = (rng.random(8) + 0.5).astype(np.float32)
    model = make_model(
        [helper.make_node("Gemm", ["x", "W1", "C1"], ["h1"], name="fc1", transB=1),
         helper.make_node("BatchNormalization", ["h1", "gamma", "beta", "mean", "var"], ["h2"], name="bn", epsilon=1e-3),
         helper.make_node("LeakyRelu", ["h2"], ["h3"], name="leaky", alpha=0.1),
         helper.make_node("Gemm", ["h3", "W2", "C2"], ["y"], name="fc2", transB=1)],
        [initializer("W1", randn(8, 6)), initializer("C1", randn(8)),
         initializer("gamma", 1 + randn(8)), initializer("beta", randn(8)),
         initializer("mean", randn(8)), initializer("var", var),
         initializer("W2", randn(3, 8)), initializer("C2", randn(3))], 6, 3)
    save_onnx(out, sink, "batchnorm.onnx", model,
              ["Dense(6, 8)", "BatchNorm(8, Epsilon = 0.001)", "LeakyReLU(0.1)", "Dense(8, 3)"], rng, 6)

    # Gelu is an opset-20 operator, newer than this onnx (checker off; the evaluator follows the spec).
    model = make_model(
        [helper.make_node("Gemm", ["x", "W1", "C1"], ["h1"], name="fc1", transB=1),
         helper.make_node("Gelu", ["h1"], ["h2"], name="gelu_tanh", approximate="tanh"),
         helper.make_node("Gemm", ["h2", "W2", "C2"], ["h3"], name="fc2", transB=1),
         helper.make_node("Gelu", ["h3"], ["y"], name="gelu")],
        [initializer("W1", randn(7, 4)), initializer("C1", randn(7)),
         initializer("W2", randn(5, 7)), initializer("C2", randn(5))], 4, 5, opset=20, check=False)
    save_onnx(out, sink, "gelu.onnx", model,
              ["Dense(4, 7)", "GELU(Approximate = \"tanh\")", "Dense(7, 5)", "GELU"], rng, 4)


def f32_to_bf16_bits(a):
    bits = np.asarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)


def onnx_initializers(out, sink):
    """One tensor per way ONNX can store floats; expected values written from the bits stored."""
    rng = np.random.default_rng(5)
    file = "initializers.onnx"
    tensors = []

    def add(name, dtype, dims, expected, **fields):
        t = TensorProto(name=name, data_type=dtype, dims=list(dims))
        for k, v in fields.items():
            if k == "raw_data":
                t.raw_data = v
            else:
                getattr(t, k).extend(v)
        tensors.append(t)
        if expected is not None:
            sink.tensor(file, name, np.zeros(dims), np.asarray(expected, dtype=np.float32).reshape(dims))

    a = rng.standard_normal((3, 4)).astype(np.float32)
    add("f32_raw", TensorProto.FLOAT, a.shape, a, raw_data=a.astype("<f4").tobytes())
    add("f32_typed", TensorProto.FLOAT, a.shape, a, float_data=a.reshape(-1).tolist())
    d = rng.standard_normal((2, 3)) * 1e3
    add("f64_raw", TensorProto.DOUBLE, d.shape, d.astype(np.float32), raw_data=d.astype("<f8").tobytes())
    add("f64_typed", TensorProto.DOUBLE, d.shape, d.astype(np.float32), double_data=d.reshape(-1).tolist())
    h = np.concatenate([rng.standard_normal(6), [6e-8, -0.0, 65504.0, np.inf]]).astype(np.float16)
    add("f16_raw", TensorProto.FLOAT16, h.shape, h.astype(np.float32), raw_data=h.astype("<f2").tobytes())
    add("f16_typed", TensorProto.FLOAT16, h.shape, h.astype(np.float32), int32_data=h.view(np.uint16).astype(np.int32).tolist())
    b = f32_to_bf16_bits(rng.standard_normal(5) * 100)
    bvalues = (b.astype(np.uint32) << 16).view(np.float32)
    add("bf16_raw", TensorProto.BFLOAT16, b.shape, bvalues, raw_data=b.astype("<u2").tobytes())
    add("bf16_typed", TensorProto.BFLOAT16, b.shape, bvalues, int32_data=b.astype(np.int32).tolist())
    add("scalar", TensorProto.FLOAT, (), [2.5], float_data=[2.5])
    add("empty", TensorProto.FLOAT, (0, 4), np.zeros((0, 4)), raw_data=b"")
    add("int64_shape", TensorProto.INT64, (2,), None, int64_data=[1, -1])
    ext = TensorProto(name="external", data_type=TensorProto.FLOAT, dims=[4], data_location=TensorProto.EXTERNAL)
    ext.external_data.add(key="location", value="weights.bin")
    tensors.append(ext)

    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"], name="identity")], "initializers",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])], initializer=tensors)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    with open(os.path.join(out, file), "wb") as f:
        f.write(model.SerializeToString())
    sink.manifest["files"][file]["unreadable"] = {"int64_shape": "INT64", "external": "external"}


def torch_models(out, sink):
    import torch
    import torch.nn as nn

    torch.manual_seed(7)
    cases = [
        ("torch_mlp.onnx",
         nn.Sequential(nn.Linear(12, 16), nn.BatchNorm1d(16), nn.LeakyReLU(0.2), nn.Linear(16, 8), nn.Sigmoid(),
                       nn.Linear(8, 3), nn.Softmax(dim=1)), 12),
        ("torch_flatten.onnx",
         nn.Sequential(nn.Flatten(), nn.Linear(12, 8), nn.Tanh(), nn.Dropout(0.5), nn.Linear(8, 4), nn.ReLU()), 12),
    ]
    rng = np.random.default_rng(9)
    for file, model, n_in in cases:
        with torch.no_grad():
            for m in model:
                if isinstance(m, nn.BatchNorm1d):
                    m.running_mean.copy_(torch.randn(m.num_features))
                    m.running_var.copy_(torch.rand(m.num_features) + 0.5)
                    m.weight.copy_(1 + 0.3 * torch.randn(m.num_features))
                    m.bias.copy_(0.3 * torch.randn(m.num_features))
        model.eval()
        buffer = io.BytesIO()
        torch.onnx.export(model, torch.zeros(2, n_in), buffer, opset_version=13, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, do_constant_folding=True)
        onnx_model = onnx.load_from_string(buffer.getvalue())
        onnx.checker.check_model(onnx_model)
        layers = []
        for m in model:
            if isinstance(m, nn.Linear):
                layers.append(f"Dense({m.in_features}, {m.out_features})")
            elif isinstance(m, nn.BatchNorm1d):
                layers.append(f"BatchNorm({m.num_features})")
            elif isinstance(m, nn.LeakyReLU):
                layers.append(f"LeakyReLU({m.negative_slope})")
            elif isinstance(m, nn.Dropout):
                continue  # exported in eval mode: no node
            else:
                layers.append({"ReLU": "ReLU", "Sigmoid": "Sigmoid", "Tanh": "Tanh", "Softmax": "Softmax",
                               "Flatten": "Flatten"}[type(m).__name__])

        def reference(x, model=model):
            with torch.no_grad():
                return model(torch.from_numpy(x)).numpy()

        save_onnx(out, sink, file, onnx_model, layers, rng, n_in, reference=reference)


def torch_cnn_models(out, sink):
    """Small CNNs exported with torch.onnx.export; PyTorch's outputs are the reference (this onnx has no evaluator
    for Conv). The network entry carries the input shape, each input row being one sample flattened (C, H, W)."""
    import torch
    import torch.nn as nn

    torch.manual_seed(11)
    cases = [
        ("torch_cnn2d.onnx", (2, 8, 8),
         nn.Sequential(nn.Conv2d(2, 4, 3, stride=1, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(3, stride=2, padding=1),
                       nn.Conv2d(4, 6, 3, stride=2, padding=1, bias=False), nn.ReLU(), nn.AvgPool2d(2),
                       nn.Flatten(), nn.Linear(6, 5))),
        ("torch_cnn1d.onnx", (3, 16),
         nn.Sequential(nn.Conv1d(3, 6, 5, padding=2, dilation=1, groups=3), nn.Tanh(), nn.MaxPool1d(3, stride=2),
                       nn.Conv1d(6, 4, 3, dilation=2), nn.ReLU(), nn.AvgPool1d(2), nn.Flatten(), nn.Linear(4, 3))),
    ]
    rng = np.random.default_rng(13)
    for file, shape, model in cases:
        with torch.no_grad():
            for m in model:
                if isinstance(m, nn.BatchNorm2d):
                    m.running_mean.copy_(torch.randn(m.num_features))
                    m.running_var.copy_(torch.rand(m.num_features) + 0.5)
                    m.weight.copy_(1 + 0.3 * torch.randn(m.num_features))
                    m.bias.copy_(0.3 * torch.randn(m.num_features))
        model.eval()
        buffer = io.BytesIO()
        # TrainingMode.PRESERVE (the model is in eval mode) keeps BatchNormalization a node of its own: the default
        # export folds it into the Conv before it, and the BatchNormalization after a Conv is what is tested here.
        # An AvgPool2d with padding is not in these models: PyTorch exports it as Pad + AveragePool.
        torch.onnx.export(model, torch.zeros(2, *shape), buffer, opset_version=13, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, do_constant_folding=True,
                          training=torch.onnx.TrainingMode.PRESERVE)
        onnx_model = onnx.load_from_string(buffer.getvalue())
        onnx.checker.check_model(onnx_model)
        layers = []
        for m in model:
            if isinstance(m, (nn.Conv1d, nn.Conv2d)):
                options = [f"Stride = {m.stride[0]}"] if m.stride[0] != 1 else []
                options += [f"Padding = {m.padding[0]}"] if m.padding[0] != 0 else []
                options += [f"Dilation = {m.dilation[0]}"] if m.dilation[0] != 1 else []
                options += [f"Groups = {m.groups}"] if m.groups != 1 else []
                options += ["Bias = false"] if m.bias is None else []
                name = "Conv1d" if isinstance(m, nn.Conv1d) else "Conv2d"
                layers.append(f"{name}({m.in_channels}, {m.out_channels}, {m.kernel_size[0]}" + "".join(", " + o for o in options) + ")")
            elif isinstance(m, (nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d, nn.AvgPool2d)):
                k = m.kernel_size if isinstance(m.kernel_size, int) else m.kernel_size[0]
                st = m.stride if isinstance(m.stride, int) else m.stride[0]
                pad = m.padding if isinstance(m.padding, int) else m.padding[0]
                name = type(m).__name__
                layers.append(f"{name}({k}" + (f", Stride = {st}" if st != k else "") + (f", Padding = {pad}" if pad else "") + ")")
            elif isinstance(m, nn.Linear):
                layers.append(f"Dense({m.in_features}, {m.out_features})")
            elif isinstance(m, nn.BatchNorm2d):
                layers.append(f"BatchNorm({m.num_features})")
            else:
                layers.append({"ReLU": "ReLU", "Tanh": "Tanh", "Flatten": "Flatten"}[type(m).__name__])
        for t in onnx_model.graph.initializer:
            values = numpy_helper.to_array(t)
            sink.tensor(file, t.name, values, values.astype(np.float32))
        x = (rng.standard_normal((ROWS, *shape)) * 1.5).astype(np.float32)
        with torch.no_grad():
            y = model(torch.from_numpy(x)).numpy()
        onnx.save(onnx_model, os.path.join(out, file))
        sink.network(file, layers, "onnx", x.reshape(ROWS, -1), y.astype(np.float32),
                     opTypes=[n.op_type for n in onnx_model.graph.node], inputShape=list(shape))
        print(f"{file}: {[n.op_type for n in onnx_model.graph.node]} -> {layers}")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
    os.makedirs(out, exist_ok=True)
    sink = Sink()
    numpy_mlp(out, sink)
    sklearn_mlps(out, sink)
    onnx_helper_models(out, sink)
    onnx_initializers(out, sink)
    torch_models(out, sink)
    sklearn_recipe(out, sink)  # after the others: the fixtures before it keep their offsets in inputs.bin and outputs.bin
    torch_cnn_models(out, sink)  # appended last for the same reason
    sink.write(out)
    print(f"wrote {len(sink.manifest['files'])} fixtures to {out}")


if __name__ == "__main__":
    main()
