namespace StaticNet.Sample;

/// <summary>
/// The convolutional digit classifier (API.md's LeNet): a 28×28 image → two 5×5 convolutions, each followed by 2×2
/// max pooling → 64 → 10 class scores (logits), trained in PyTorch by tools/train_lenet.py. The weights, with the
/// BatchNorm's running statistics, are checked against these layers and embedded at compile time.
/// </summary>
[Weights("lenet.safetensors")]
[InputShape(1, 28, 28)]
[Conv2d(1, 8, 5, Padding = 2), ReLU, MaxPool2d(2), Conv2d(8, 16, 5), BatchNorm(16), ReLU, MaxPool2d(2),
 Flatten, Dense(400, 64), ReLU, Dropout(0.25f), Dense(64, 10)]
public partial class LeNet;
