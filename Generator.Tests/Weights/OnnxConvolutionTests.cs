using System;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using StaticNet.Generator.Tests.Networks;
using StaticNet.Generator.Tests.Support;
using StaticNet.Weights;

namespace StaticNet.Generator.Tests.Weights;

/// <summary>
/// CNNs exported by torch.onnx.export (tools/make_weight_formats.py): Conv, BatchNormalization after a Conv, MaxPool,
/// Pad + AveragePool and Flatten load into the declared convolutional network and give PyTorch's outputs; a declared
/// layer that differs from the graph is named, at run time and as SNN024 at compile time.
/// </summary>
public sealed class OnnxConvolutionTests
{
    private static string PathOf(string file) => Path.Combine(WeightFormatFixtures.Directory, file);

    [Fact]
    public void Cnn_onnx_models_load_and_give_pytorchs_outputs()
    {
        Check("torch_cnn2d.onnx", TorchCnn2dOnnx.LoadOnnx, TorchCnn2dOnnx.Load);
        Check("torch_cnn1d.onnx", TorchCnn1dOnnx.LoadOnnx, TorchCnn1dOnnx.Load);

        static void Check<TNetwork>(string file, Func<string, TNetwork> loadOnnx, Func<string, TNetwork> load)
            where TNetwork : INetwork
        {
            FixtureNetwork fixture = WeightFormatFixtures.Data.Files[file].Network!;
            Assert.Equal(fixture.InputSize, TNetwork.InputSize);
            var outputs = new float[fixture.Rows * TNetwork.OutputSize];
            loadOnnx(PathOf(file)).Forward(fixture.Inputs, outputs);
            ReferenceNetwork.AssertClose(fixture.Outputs, outputs, file, tolerance: 1e-5);
            var again = new float[outputs.Length];
            load(PathOf(file)).Forward(fixture.Inputs, again);
            Assert.Equal(NetworkTests.Bits(outputs), NetworkTests.Bits(again));
        }
    }

    [Fact]
    public void The_cnn_graphs_map_to_the_layers_pytorch_declared()
    {
        foreach (string file in new[] { "torch_cnn2d.onnx", "torch_cnn1d.onnx" })
        {
            OnnxMapping mapping = OnnxReader.Open(WeightFormatFixtures.File(file)).MapLayers();
            Assert.Null(mapping.Error?.Message);
            Assert.Equal(WeightFormatFixtures.Data.Files[file].Network!.Layers, mapping.Layers!.Select(l => l.Describe()));
        }
    }

    [Fact]
    public void A_declared_convolution_or_pool_that_differs_names_the_onnx_node_attribute_and_layer()
    {
        byte[] file = WeightFormatFixtures.File("torch_cnn2d.onnx");
        DeclaredLayer[] Declared(int stride = 2, int poolStride = 2, int groups = 1, bool bias = false) =>
        [
            DeclaredLayer.Convolution(0, "Conv2d", "0", "Conv2d(2, 4, 3, Padding = 1)", (2, 4), (3, 1, 1, 1), groups: 1, bias: true),
            DeclaredLayer.Norm(1, "BatchNorm", "1", 4, 1e-5f),
            DeclaredLayer.Activation(2, "ReLU"),
            DeclaredLayer.Pooling(3, "MaxPool2d", "MaxPool2d(3, Stride = …, Padding = 1)", 3, poolStride, 1),
            DeclaredLayer.Convolution(4, "Conv2d", "4", "Conv2d(4, 6, 3, …)", (4, 6), (3, stride, 1, 1), groups, bias),
            DeclaredLayer.Activation(5, "ReLU"),
            DeclaredLayer.Pooling(6, "AvgPool2d", "AvgPool2d(2)", 2, 2, 0),
            DeclaredLayer.Other(7, "Flatten", "Flatten"),
            DeclaredLayer.Dense(8, "8", 6, 5, bias: true),
        ];

        OnnxNetworkReader.Open(file, Declared());
        string message = Assert.Throws<InvalidDataException>(() => OnnxNetworkReader.Open(file, Declared(stride: 1))).Message;
        Assert.Contains("(Conv, #4) is Conv2d(4, 6, 3, Stride = 2, Padding = 1, Bias = false) (attribute strides = 2), but layer 4 is declared Conv2d(4, 6, 3, …)", message, StringComparison.Ordinal);
        message = Assert.Throws<InvalidDataException>(() => OnnxNetworkReader.Open(file, Declared(poolStride: 3))).Message;
        Assert.Contains("(MaxPool, #3) is MaxPool2d(3, Stride = 2, Padding = 1) (attribute strides = 2), but layer 3 is declared", message, StringComparison.Ordinal);
        message = Assert.Throws<InvalidDataException>(() => OnnxNetworkReader.Open(file, Declared(bias: true))).Message;
        Assert.Contains("(Conv has no B input), but layer 4", message, StringComparison.Ordinal);
        message = Assert.Throws<InvalidDataException>(() => OnnxNetworkReader.Open(file, Declared(groups: 2))).Message;
        Assert.Contains("(attribute group = 1), but layer 4", message, StringComparison.Ordinal);
    }

    [Fact]
    public void SNN024_names_a_declared_stride_the_onnx_conv_does_not_have()
    {
        const string Source = """
            using StaticNet;
            [InputShape(2, 8, 8)]
            [Weights("torch_cnn2d.onnx")]
            [Conv2d(2, 4, 3, Padding = 1), BatchNorm(4), ReLU, MaxPool2d(3, Stride = 2, Padding = 1),
             Conv2d(4, 6, 3, Stride = 2, Padding = 1, Bias = false), ReLU, AvgPool2d(2), Flatten, Dense(6, 5)]
            public partial class Cnn { }
            """;
        var sidecar = new InMemoryAdditionalText(
            "torch_cnn2d.onnx.staticnet-weights.txt",
            $"staticnet-weights-v1\ntorch_cnn2d.onnx\n{Convert.ToBase64String(WeightFormatFixtures.File("torch_cnn2d.onnx"))}\n");
        Assert.Empty(GeneratorHarness.Run(Source, sidecar).GeneratorDiagnostics);

        // Stride 1 leaves 6×2×2 features after the pool, so the Dense is declared to fit and the stride is the only difference.
        string strideOne = Source.Replace("Conv2d(4, 6, 3, Stride = 2,", "Conv2d(4, 6, 3,", StringComparison.Ordinal).Replace("Dense(6, 5)", "Dense(24, 5)", StringComparison.Ordinal);
        GeneratorRun run = GeneratorHarness.Run(strideOne, sidecar);
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("SNN024", d.Id);
        Assert.Contains("(Conv, #4) is Conv2d(4, 6, 3, Stride = 2, Padding = 1, Bias = false) (attribute strides = 2), but layer 4 is declared Conv2d(4, 6, 3, Padding = 1, Bias = false)", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new long[] { 1, 1, 1, 2 }, "are asymmetric (axis 3 is padded by 1 before and 2 after)")]
    [InlineData(new long[] { 1, 2, 1, 2 }, "differ between the spatial axes")]
    public void Asymmetric_or_uneven_conv_pads_are_refused_by_name(long[] pads, string expected)
    {
        byte[] model = ProtoWriter.Model(
            13,
            [ProtoWriter.Node("Conv", ["x", "W"], "y", Ints("pads", pads))],
            [ProtoWriter.FloatTensor("W", [2, 1, 3, 3], new float[18])],
            "y");
        string message = OnnxReader.Open(model).MapLayers().Error!.Message;
        Assert.True(message.Contains(expected, StringComparison.Ordinal), message);
        Assert.Contains("(Conv, #0) does not map to a StaticNet layer", message, StringComparison.Ordinal);
        Assert.Contains(expected, message, StringComparison.Ordinal);

        // An INTS attribute (name 1, ints 8, type 20 = INTS).
        static Action<ProtoWriter> Ints(string name, long[] values) => a =>
        {
            a.String(1, name);
            foreach (long v in values)
            {
                a.Varint(8, (ulong)v);
            }

            a.Varint(20, 7);
        };
    }
}

/// <summary>torch_cnn2d.onnx: Conv2d with padding and stride, BatchNorm2d (exported as its own node), MaxPool2d, AvgPool2d.</summary>
[InputShape(2, 8, 8)]
[Conv2d(2, 4, 3, Padding = 1), BatchNorm(4), ReLU, MaxPool2d(3, Stride = 2, Padding = 1),
 Conv2d(4, 6, 3, Stride = 2, Padding = 1, Bias = false), ReLU, AvgPool2d(2), Flatten, Dense(6, 5)]
public partial class TorchCnn2dOnnx;

/// <summary>torch_cnn1d.onnx: grouped and dilated Conv1d, MaxPool1d with a stride, AvgPool1d.</summary>
[InputShape(3, 16)]
[Conv1d(3, 6, 5, Padding = 2, Groups = 3), Tanh, MaxPool1d(3, Stride = 2), Conv1d(6, 4, 3, Dilation = 2), ReLU, AvgPool1d(2), Flatten, Dense(4, 3)]
public partial class TorchCnn1dOnnx;
