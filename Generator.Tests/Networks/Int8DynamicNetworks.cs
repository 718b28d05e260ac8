// The PyTorch fixture networks in WeightFormat.Int8Dynamic (tools/make_format_fixtures.py computes the references with
// NumPy), MNIST's shape, a layer wide enough to quantise its rows into native memory, and an embedded network.
namespace StaticNet.Generator.Tests.Networks;

[WeightFormat(WeightFormat.Int8Dynamic)]
[Dense(20, 64), ReLU, Dense(64, 32), Tanh, Dense(32, 5), Softmax]
public partial class Int8DynamicSeqMlp;

[WeightFormat(WeightFormat.Int8Dynamic)]
[Dense(17, 33), BatchNorm(33), ReLU, Dropout(0.2f), Dense(33, 9), LeakyReLU(0.1f), Dense(9, 3), Sigmoid]
public partial class Int8DynamicSeqBn;

[WeightFormat(WeightFormat.Int8Dynamic)]
[Dense(12, 24, Name = "layer1"), BatchNorm(24, Epsilon = 1e-3f, Name = "bn1"), ReLU,
 Dense(24, 10, Bias = false, Name = "layer2"), BatchNorm(10, Name = "bn2"), Tanh,
 Dense(10, 4, Name = "head"), Softmax]
public partial class Int8DynamicNamed;

[WeightFormat(WeightFormat.Int8Dynamic)]
[Dense(97, 257), ReLU, Dense(257, 31), LeakyReLU(0.01f), Dense(31, 1), Sigmoid]
public partial class Int8DynamicWideOdd;

[WeightFormat(WeightFormat.Int8Dynamic)]
[Dense(19, 40), LayerNorm(40), GELU, Dense(40, 33), SiLU, Dense(33, 17), ELU(0.7f),
 Dense(17, 24), Softplus(1.5f, 4f), Dense(24, 6), GELU(Approximate = "tanh")]
public partial class Int8DynamicSeqSmooth;

/// <summary>MNIST's shape, for batch sizes, threads and the instruction-set probe.</summary>
[WeightFormat(WeightFormat.Int8Dynamic)]
[Dense(784, 128), ReLU, Dense(128, 64), ReLU, Dense(64, 10), Softmax]
public partial class Int8DynamicMnistNet;

/// <summary>A layer of 1,500 inputs: four rows of them quantise into native memory rather than the stack.</summary>
[WeightFormat(WeightFormat.Int8Dynamic)]
[Dense(1500, 1500), ReLU, Dense(1500, 3), Softmax]
public partial class Int8DynamicLargeLayer;

/// <summary>One layer in Int8Dynamic inside a float32 network (the layer's own Format).</summary>
[Dense(20, 64), ReLU, Dense(64, 32, Format = WeightFormat.Int8Dynamic), Tanh, Dense(32, 5), Softmax]
public partial class MixedDynamicSeqMlp;

/// <summary>The seq_mlp fixture embedded at compile time: its weights converted to int8 by the generator.</summary>
[Weights("seq_mlp.f32.safetensors")]
[WeightFormat(WeightFormat.Int8Dynamic)]
[Dense(20, 64), ReLU, Dense(64, 32), Tanh, Dense(32, 5), Softmax]
public partial class Int8DynamicSeqMlpEmbedded;
