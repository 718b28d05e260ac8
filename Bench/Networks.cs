namespace StaticNet.Bench;

/// <summary>The MNIST classifier of the Sample, with its trained weights (Sample/Data/mnist.safetensors).</summary>
[Dense(784, 128), ReLU, Dense(128, 64), ReLU, Dense(64, 10), Softmax]
public partial class MnistNet;

/// <summary>A wider network: 8.4 MB of weights, more than one core's L2, so batch 1 streams them from L3.</summary>
[Dense(1024, 1024), ReLU, Dense(1024, 1024), ReLU, Dense(1024, 10), Softmax]
public partial class WideNet;

/// <summary>The MNIST classifier with its weights stored as bfloat16.</summary>
[WeightFormat(WeightFormat.BFloat16)]
[Dense(784, 128), ReLU, Dense(128, 64), ReLU, Dense(64, 10), Softmax]
public partial class MnistNetBFloat16;

/// <summary>The MNIST classifier with its weights stored as int8 with a scale per output.</summary>
[WeightFormat(WeightFormat.Int8)]
[Dense(784, 128), ReLU, Dense(128, 64), ReLU, Dense(64, 10), Softmax]
public partial class MnistNetInt8;

/// <summary>The MNIST classifier in WeightFormat.Int8Dynamic: int8 weights, inputs quantised to int8 per row, integer sums.</summary>
[WeightFormat(WeightFormat.Int8Dynamic)]
[Dense(784, 128), ReLU, Dense(128, 64), ReLU, Dense(64, 10), Softmax]
public partial class MnistNetInt8Dynamic;
