namespace StaticNet.Sample;

/// <summary>
/// The digit classifier: 784 pixels → 128 → 64 → 10 class probabilities, trained in PyTorch by
/// tools/train_mnist.py. The weights are checked against these layers and embedded at compile time.
/// </summary>
[Weights("mnist.safetensors")]
[Dense(784, 128), ReLU, Dense(128, 64), ReLU, Dense(64, 10), Softmax]
public partial class MnistNet;

/// <summary>The same network and weights file with every weight stored as bfloat16 (converted at compile time): 2 bytes a weight.</summary>
[Weights("mnist.safetensors")]
[WeightFormat(WeightFormat.BFloat16)]
[Dense(784, 128), ReLU, Dense(128, 64), ReLU, Dense(64, 10), Softmax]
public partial class MnistNetBFloat16;

/// <summary>The same network and weights file with every weight stored as int8 with a float32 scale per output: 1 byte a weight.</summary>
[Weights("mnist.safetensors")]
[WeightFormat(WeightFormat.Int8)]
[Dense(784, 128), ReLU, Dense(128, 64), ReLU, Dense(64, 10), Softmax]
public partial class MnistNetInt8;

/// <summary>
/// The same network and weights file in WeightFormat.Int8Dynamic: the int8 weights of MnistNetInt8, and each layer's
/// input quantised to int8 per row when it runs, so the products are integer dot products.
/// </summary>
[Weights("mnist.safetensors")]
[WeightFormat(WeightFormat.Int8Dynamic)]
[Dense(784, 128), ReLU, Dense(128, 64), ReLU, Dense(64, 10), Softmax]
public partial class MnistNetInt8Dynamic;
