namespace StaticNet.Sample;

/// <summary>
/// The digit classifier: 784 pixels → 128 → 64 → 10 class probabilities, trained in PyTorch by
/// tools/train_mnist.py. The weights are checked against these layers and embedded at compile time.
/// </summary>
[Weights("mnist.safetensors")]
[Dense(784, 128), ReLU, Dense(128, 64), ReLU, Dense(64, 10), Softmax]
public partial class MnistNet;
