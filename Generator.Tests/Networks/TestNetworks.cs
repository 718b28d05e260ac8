// Networks compiled into this test assembly by the generator (referenced as an analyzer), exactly as a user's
// project would compile them. Each has a twin layer list in Networks.Layers for the reference implementation.
using StaticNet.Generator.Tests.Support;

namespace StaticNet.Generator.Tests.Networks;

[Dense(784, 128), ReLU, Dense(128, 64), ReLU, Dense(64, 10), Softmax]
public partial class MnistNet;

[Dense(20, 64), ReLU, Dense(64, 32), Tanh, Dense(32, 5), Softmax]
public partial class SeqMlp;

[Dense(17, 33), BatchNorm(33), ReLU, Dropout(0.2f), Dense(33, 9), LeakyReLU(0.1f), Dense(9, 3), Sigmoid]
public partial class SeqBn;

[Dense(12, 24, Name = "layer1"), BatchNorm(24, Epsilon = 1e-3f, Name = "bn1"), ReLU,
 Dense(24, 10, Bias = false, Name = "layer2"), BatchNorm(10, Name = "bn2"), Tanh,
 Dense(10, 4, Name = "head"), Softmax]
public partial class Named;

[BatchNorm(8), Dense(8, 16), Sigmoid, BatchNorm(16), Dense(16, 7)]
public partial class StandaloneBn;

[Dense(97, 257), ReLU, Dense(257, 31), LeakyReLU(0.01f), Dense(31, 1), Sigmoid]
public partial class WideOdd;

/// <summary>LayerNorm and the smooth activations, as tools/make_fixtures.py's seq_smooth.</summary>
[Dense(19, 40), LayerNorm(40), GELU, Dense(40, 33), SiLU, Dense(33, 17), ELU(0.7f),
 Dense(17, 24), Softplus(1.5f, 4f), Dense(24, 6), GELU(Approximate = "tanh")]
public partial class SeqSmooth;

/// <summary>LayerNorm first, with its own epsilon, and named children, as tools/make_fixtures.py's named_layernorm.</summary>
[LayerNorm(13, Epsilon = 0.01f, Name = "norm_in"), Dense(13, 31, Name = "fc1"), GELU,
 LayerNorm(31, Name = "norm1"), Dense(31, 5, Name = "head"), Softplus]
public partial class NamedLayerNorm;

/// <summary>An 8192-wide hidden layer: its activations do not fit the stack budget, so they go to native memory.</summary>
[Dense(5, 8192), ReLU, Dense(8192, 3)]
public partial class Wide8192;

/// <summary>A 4096-wide layer between two 1-wide ones.</summary>
[Dense(1, 4096), Tanh, Dense(4096, 1)]
public partial class Wide4096;

/// <summary>A 4.4 MB first layer (more than one core's L2) with a partial last panel: ForwardParallel splits its outputs for a few rows.</summary>
[Dense(1000, 1100), ReLU, Dense(1100, 3), Softmax]
public partial class LargeLayer;

/// <summary>The reference's view of the same networks.</summary>
internal static class Layers
{
    public static readonly RefLayer[] MnistNet =
        [RefLayer.Dense(784, 128), RefLayer.Act("ReLU"), RefLayer.Dense(128, 64), RefLayer.Act("ReLU"), RefLayer.Dense(64, 10), RefLayer.Act("Softmax")];

    public static readonly RefLayer[] SeqMlp =
        [RefLayer.Dense(20, 64), RefLayer.Act("ReLU"), RefLayer.Dense(64, 32), RefLayer.Act("Tanh"), RefLayer.Dense(32, 5), RefLayer.Act("Softmax")];

    public static readonly RefLayer[] SeqBn =
        [RefLayer.Dense(17, 33), RefLayer.BatchNorm(33), RefLayer.Act("ReLU"), new RefLayer("Dropout", P: 0.2f), RefLayer.Dense(33, 9),
         RefLayer.Act("LeakyReLU", 0.1f), RefLayer.Dense(9, 3), RefLayer.Act("Sigmoid")];

    public static readonly RefLayer[] Named =
        [RefLayer.Dense(12, 24, name: "layer1"), RefLayer.BatchNorm(24, 1e-3f, "bn1"), RefLayer.Act("ReLU"),
         RefLayer.Dense(24, 10, bias: false, name: "layer2"), RefLayer.BatchNorm(10, name: "bn2"), RefLayer.Act("Tanh"),
         RefLayer.Dense(10, 4, name: "head"), RefLayer.Act("Softmax")];

    public static readonly RefLayer[] StandaloneBn =
        [RefLayer.BatchNorm(8), RefLayer.Dense(8, 16), RefLayer.Act("Sigmoid"), RefLayer.BatchNorm(16), RefLayer.Dense(16, 7)];

    public static readonly RefLayer[] WideOdd =
        [RefLayer.Dense(97, 257), RefLayer.Act("ReLU"), RefLayer.Dense(257, 31), RefLayer.Act("LeakyReLU", 0.01f), RefLayer.Dense(31, 1), RefLayer.Act("Sigmoid")];

    public static readonly RefLayer[] SeqSmooth =
        [RefLayer.Dense(19, 40), RefLayer.LayerNorm(40), RefLayer.Act("GELU"), RefLayer.Dense(40, 33), RefLayer.Act("SiLU"),
         RefLayer.Dense(33, 17), RefLayer.Act("ELU") with { Alpha = 0.7f }, RefLayer.Dense(17, 24),
         RefLayer.Act("Softplus") with { Beta = 1.5f, Threshold = 4f }, RefLayer.Dense(24, 6), RefLayer.Act("GELU") with { Approximate = "tanh" }];

    public static readonly RefLayer[] NamedLayerNorm =
        [RefLayer.LayerNorm(13, 0.01f, "norm_in"), RefLayer.Dense(13, 31, name: "fc1"), RefLayer.Act("GELU"),
         RefLayer.LayerNorm(31, name: "norm1"), RefLayer.Dense(31, 5, name: "head"), RefLayer.Act("Softplus")];

    public static readonly RefLayer[] Wide8192 = [RefLayer.Dense(5, 8192), RefLayer.Act("ReLU"), RefLayer.Dense(8192, 3)];

    public static readonly RefLayer[] Wide4096 = [RefLayer.Dense(1, 4096), RefLayer.Act("Tanh"), RefLayer.Dense(4096, 1)];

    public static readonly RefLayer[] AllConvolutional = [RefLayer.Shape(1, 8, 8), RefLayer.Conv(2, 1, 2, 3), RefLayer.Act("ReLU"), new RefLayer("Flatten")];

    public static readonly RefLayer[] LeNet =
        [RefLayer.Shape(1, 28, 28), RefLayer.Conv(2, 1, 8, 5, padding: 2), RefLayer.Act("ReLU"), RefLayer.Pool("MaxPool2d", 2), RefLayer.Conv(2, 8, 16, 5),
         RefLayer.BatchNorm(16), RefLayer.Act("ReLU"), RefLayer.Pool("MaxPool2d", 2), new RefLayer("Flatten"), RefLayer.Dense(400, 64), RefLayer.Act("ReLU"),
         new RefLayer("Dropout", P: 0.25f), RefLayer.Dense(64, 10)];

    public static readonly RefLayer[] CnnOdd =
        [RefLayer.Shape(3, 13, 9), RefLayer.Conv(2, 3, 20, 3, stride: 2, padding: 1), RefLayer.Act("Tanh"),
         RefLayer.Conv(2, 20, 20, 3, padding: 2, dilation: 2, groups: 4, bias: false), RefLayer.BatchNorm(20),
         RefLayer.Pool("AvgPool2d", 3, stride: 2, padding: 1), RefLayer.Act("ReLU"), new RefLayer("Flatten"), RefLayer.Dense(240, 5), RefLayer.Act("Softmax")];

    public static readonly RefLayer[] Cnn1d =
        [RefLayer.Shape(4, 50), RefLayer.Conv(1, 4, 17, 5, padding: 2, name: "conv1"), RefLayer.Act("ReLU"), RefLayer.Pool("MaxPool1d", 3, stride: 2, padding: 1),
         RefLayer.Conv(1, 17, 17, 3, groups: 17, name: "depthwise"), RefLayer.Act("Sigmoid"), RefLayer.BatchNorm(17, name: "bn"), RefLayer.Pool("AvgPool1d", 2),
         new RefLayer("Flatten"), RefLayer.Dense(187, 3, name: "head")];

    public static readonly RefLayer[] LargeLayer = [RefLayer.Dense(1000, 1100), RefLayer.Act("ReLU"), RefLayer.Dense(1100, 3), RefLayer.Act("Softmax")];
}

/// <summary>The "named" PyTorch fixture, embedded at compile time.</summary>
[Weights("named.f32.safetensors")]
[Dense(12, 24, Name = "layer1"), BatchNorm(24, Epsilon = 1e-3f, Name = "bn1"), ReLU,
 Dense(24, 10, Bias = false, Name = "layer2"), BatchNorm(10, Name = "bn2"), Tanh,
 Dense(10, 4, Name = "head"), Softmax]
public partial class NamedEmbedded;

/// <summary>Logits straight into Softmax, for extreme-value tests.</summary>
[Dense(4, 3), Softmax]
public partial class LogitNet;

/// <summary>Saturating activations, for extreme-value tests.</summary>
[Dense(2, 2), Sigmoid]
public partial class SigmoidNet;

[Dense(2, 2), Tanh]
public partial class TanhNet;

/// <summary>The convolutional network of API.md: padding, max pooling, a BatchNorm folded into a convolution, Flatten, Dropout.</summary>
[InputShape(1, 28, 28)]
[Conv2d(1, 8, 5, Padding = 2), ReLU, MaxPool2d(2), Conv2d(8, 16, 5), BatchNorm(16), ReLU, MaxPool2d(2),
 Flatten, Dense(400, 64), ReLU, Dropout(0.25f), Dense(64, 10)]
public partial class LeNet;

/// <summary>Convolutions and no Dense layer at all: found through its Conv2d.</summary>
[InputShape(1, 8, 8)]
[Conv2d(1, 2, 3), ReLU, Flatten]
public partial class AllConvolutional;

/// <summary>Stride, dilation, groups, no bias, a non-square odd input, average pooling with padding, as tools/make_fixtures.py's cnn_odd.</summary>
[InputShape(3, 13, 9)]
[Conv2d(3, 20, 3, Stride = 2, Padding = 1), Tanh, Conv2d(20, 20, 3, Padding = 2, Dilation = 2, Groups = 4, Bias = false), BatchNorm(20),
 AvgPool2d(3, Stride = 2, Padding = 1), ReLU, Flatten, Dense(240, 5), Softmax]
public partial class CnnOdd;

/// <summary>One-dimensional: a depthwise convolution, a BatchNorm after an activation (in place, per channel), pooling with stride and padding, as tools/make_fixtures.py's cnn_1d.</summary>
[InputShape(4, 50)]
[Conv1d(4, 17, 5, Padding = 2, Name = "conv1"), ReLU, MaxPool1d(3, Stride = 2, Padding = 1), Conv1d(17, 17, 3, Groups = 17, Name = "depthwise"),
 Sigmoid, BatchNorm(17, Name = "bn"), AvgPool1d(2), Flatten, Dense(187, 3, Name = "head")]
public partial class Cnn1d;
