// The PyTorch fixture networks again, with their dense weights stored as int8 or bfloat16 (tools/make_format_fixtures.py
// makes the references), plus per-layer overrides, an embedded int8 network and a large int8 layer.
namespace StaticNet.Generator.Tests.Networks;

[WeightFormat(WeightFormat.Int8)]
[Dense(20, 64), ReLU, Dense(64, 32), Tanh, Dense(32, 5), Softmax]
public partial class Int8SeqMlp;

[WeightFormat(WeightFormat.BFloat16)]
[Dense(20, 64), ReLU, Dense(64, 32), Tanh, Dense(32, 5), Softmax]
public partial class BFloat16SeqMlp;

[WeightFormat(WeightFormat.Int8)]
[Dense(17, 33), BatchNorm(33), ReLU, Dropout(0.2f), Dense(33, 9), LeakyReLU(0.1f), Dense(9, 3), Sigmoid]
public partial class Int8SeqBn;

[WeightFormat(WeightFormat.BFloat16)]
[Dense(17, 33), BatchNorm(33), ReLU, Dropout(0.2f), Dense(33, 9), LeakyReLU(0.1f), Dense(9, 3), Sigmoid]
public partial class BFloat16SeqBn;

[WeightFormat(WeightFormat.Int8)]
[Dense(12, 24, Name = "layer1"), BatchNorm(24, Epsilon = 1e-3f, Name = "bn1"), ReLU,
 Dense(24, 10, Bias = false, Name = "layer2"), BatchNorm(10, Name = "bn2"), Tanh,
 Dense(10, 4, Name = "head"), Softmax]
public partial class Int8Named;

[WeightFormat(WeightFormat.BFloat16)]
[Dense(12, 24, Name = "layer1"), BatchNorm(24, Epsilon = 1e-3f, Name = "bn1"), ReLU,
 Dense(24, 10, Bias = false, Name = "layer2"), BatchNorm(10, Name = "bn2"), Tanh,
 Dense(10, 4, Name = "head"), Softmax]
public partial class BFloat16Named;

[WeightFormat(WeightFormat.Int8)]
[Dense(97, 257), ReLU, Dense(257, 31), LeakyReLU(0.01f), Dense(31, 1), Sigmoid]
public partial class Int8WideOdd;

[WeightFormat(WeightFormat.BFloat16)]
[Dense(97, 257), ReLU, Dense(257, 31), LeakyReLU(0.01f), Dense(31, 1), Sigmoid]
public partial class BFloat16WideOdd;

[WeightFormat(WeightFormat.Int8)]
[Dense(19, 40), LayerNorm(40), GELU, Dense(40, 33), SiLU, Dense(33, 17), ELU(0.7f),
 Dense(17, 24), Softplus(1.5f, 4f), Dense(24, 6), GELU(Approximate = "tanh")]
public partial class Int8SeqSmooth;

[WeightFormat(WeightFormat.BFloat16)]
[Dense(19, 40), LayerNorm(40), GELU, Dense(40, 33), SiLU, Dense(33, 17), ELU(0.7f),
 Dense(17, 24), Softplus(1.5f, 4f), Dense(24, 6), GELU(Approximate = "tanh")]
public partial class BFloat16SeqSmooth;

/// <summary>Each layer in its own format: int8 by default, one float32 and one bfloat16 override.</summary>
[WeightFormat(WeightFormat.Int8)]
[Dense(20, 64, Format = WeightFormat.Float32), ReLU, Dense(64, 32, Format = WeightFormat.BFloat16), Tanh, Dense(32, 5), Softmax]
public partial class MixedSeqMlp;

/// <summary>The seq_mlp fixture embedded at compile time as int8: converted by the generator.</summary>
[Weights("seq_mlp.f32.safetensors")]
[WeightFormat(WeightFormat.Int8)]
[Dense(20, 64), ReLU, Dense(64, 32), Tanh, Dense(32, 5), Softmax]
public partial class Int8SeqMlpEmbedded;

/// <summary>The seq_mlp fixture embedded at compile time as bfloat16.</summary>
[Weights("seq_mlp.f32.safetensors")]
[WeightFormat(WeightFormat.BFloat16)]
[Dense(20, 64), ReLU, Dense(64, 32), Tanh, Dense(32, 5), Softmax]
public partial class BFloat16SeqMlpEmbedded;

/// <summary>The named fixture (BatchNorms folded before converting) embedded as int8.</summary>
[Weights("named.f32.safetensors")]
[WeightFormat(WeightFormat.Int8)]
[Dense(12, 24, Name = "layer1"), BatchNorm(24, Epsilon = 1e-3f, Name = "bn1"), ReLU,
 Dense(24, 10, Bias = false, Name = "layer2"), BatchNorm(10, Name = "bn2"), Tanh,
 Dense(10, 4, Name = "head"), Softmax]
public partial class Int8NamedEmbedded;

/// <summary>MNIST's shape in int8 and bfloat16, for the instruction-set probe.</summary>
[WeightFormat(WeightFormat.Int8)]
[Dense(784, 128), ReLU, Dense(128, 64), ReLU, Dense(64, 10), Softmax]
public partial class Int8MnistNet;

[WeightFormat(WeightFormat.BFloat16)]
[Dense(784, 128), ReLU, Dense(128, 64), ReLU, Dense(64, 10), Softmax]
public partial class BFloat16MnistNet;

/// <summary>A large int8 layer: ForwardParallel shares its outputs for a few rows when it outgrows L2 (2.25 MB as int8 here).</summary>
[WeightFormat(WeightFormat.Int8)]
[Dense(1500, 1500), ReLU, Dense(1500, 3), Softmax]
public partial class Int8LargeLayer;
