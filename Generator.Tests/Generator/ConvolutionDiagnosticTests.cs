using System.Linq;
using StaticNet.Generator.Tests.Support;

namespace StaticNet.Generator.Tests.Generator;

/// <summary>Convolutional declarations: each shape problem is one diagnostic on the attribute at fault, naming both shapes.</summary>
public sealed class ConvolutionDiagnosticTests
{
    [Fact]
    public void SNN002_a_dense_after_flatten_with_the_wrong_inputs_names_the_flattened_shape()
    {
        var d = Single("""
            using StaticNet;
            [InputShape(1, 28, 28)]
            [Conv2d(1, 8, 5), ReLU, MaxPool2d(2), Flatten, Dense(1000, 10)]
            public partial class Net { }
            """, "SNN002");
        Assert.Equal("Dense(1000, 10)", d.Text);
        Assert.Equal("Dense(1000, 10) expects 1000 input features, but the layer before it produces 1152 = 8×12×12; make the sizes agree", d.Message);
    }

    [Theory]
    [InlineData("Conv2d(1, 8, 5), Conv2d(6, 16, 5), Flatten, Dense(6400, 2)", "Conv2d(6, 16, 5)", "expects 6 input channels, but the layer before it produces 8 channels, (N, 8, 24, 24)")]
    [InlineData("Conv2d(1, 8, 5), BatchNorm(10), Flatten, Dense(4608, 2)", "BatchNorm(10)", "expects 10 input channels, but the layer before it produces 8 channels, (N, 8, 24, 24)")]
    public void SNN030_channels_that_do_not_chain(string layers, string located, string message)
    {
        var d = Single($$"""
            using StaticNet;
            [InputShape(1, 28, 28)]
            [{{layers}}]
            public partial class Net { }
            """, "SNN030");
        Assert.Equal(located, d.Text);
        Assert.Contains(message, d.Message);
    }

    [Theory]
    [InlineData("InputShape(1, 4, 4)", "Conv2d(1, 2, 5)", "a window of 5×5, larger than its padded input of 4×4")]
    [InlineData("InputShape(1, 4, 4)", "Conv2d(1, 2, 3, Dilation = 2)", "a window of 5×5, larger than its padded input of 4×4")]
    [InlineData("InputShape(2, 3)", "Conv1d(2, 2, 5)", "a window of 5, larger than its padded input of 3")]
    [InlineData("InputShape(2, 3, 9)", "MaxPool2d(4)", "a window of 4×4, larger than its padded input of 3×9")]
    public void SNN031_a_window_larger_than_its_padded_input(string shape, string layer, string message)
    {
        var d = Single($$"""
            using StaticNet;
            [{{shape}}]
            [{{layer}}, Flatten, Dense(1, 1)]
            public partial class Net { }
            """, "SNN031");
        Assert.Equal(layer, d.Text);
        Assert.Contains(message, d.Message);
    }

    [Theory]
    [InlineData("InputShape(1, 8, 8)", "Conv2d(1, 2, 3), Dense(72, 2)", "Dense(72, 2)", "put Flatten before it (giving 72 = 2×6×6)")]
    [InlineData("InputShape(1, 8, 8)", "Conv2d(1, 2, 3), Flatten, Flatten, Dense(72, 2)", "Flatten", "already flat")]
    [InlineData("InputShape(1, 8, 8)", "Conv2d(1, 2, 3), Softmax, Flatten, Dense(72, 2)", "Softmax", "put Flatten before it")]
    [InlineData("InputShape(1, 8, 8)", "Conv1d(1, 2, 3), Flatten, Dense(72, 2)", "Conv1d(1, 2, 3)", "it reads (N, C, L); use Conv2d for (N, 1, 8, 8)")]
    [InlineData("InputShape(1, 8)", "MaxPool2d(2), Flatten, Dense(4, 2)", "MaxPool2d(2)", "it reads (N, C, H, W)")]
    [InlineData("InputShape(1, 8, 8)", "Flatten, Dense(64, 4), Conv1d(4, 2, 1)", "Conv1d(4, 2, 1)", "cannot follow a layer that produces (N, 4)")]
    [InlineData("InputShape(1, 8, 8)", "Dense(64, 4)", "Dense(64, 4)", "cannot follow a layer that produces (N, 1, 8, 8)")]
    public void SNN032_a_layer_that_cannot_follow_the_shape_before_it(string shape, string layers, string located, string message)
    {
        var d = Single($$"""
            using StaticNet;
            [{{shape}}]
            [{{layers}}]
            public partial class Net { }
            """, "SNN032");
        Assert.Equal(located, d.Text);
        Assert.Contains(message, d.Message);
    }

    [Theory]
    [InlineData("Conv2d(3, 8, 3)", "Conv2d(3, 8, 3)", "declare [InputShape(3, height, width)] on the class")]
    [InlineData("ReLU, Conv1d(2, 8, 3)", "Conv1d(2, 8, 3)", "declare [InputShape(2, length)] on the class")]
    [InlineData("MaxPool2d(2)", "MaxPool2d(2)", "declare [InputShape(channels, height, width)] on the class")]
    public void SNN033_a_convolution_first_needs_the_input_shape(string layers, string located, string message)
    {
        var d = Single($$"""
            using StaticNet;
            [{{layers}}, Flatten, Dense(10, 2)]
            public partial class Net { }
            """, "SNN033");
        Assert.Equal(located, d.Text);
        Assert.Contains(message, d.Message);
    }

    [Theory]
    [InlineData("Conv2d(4, 6, 3, Groups = 4)", "Groups (4) must divide both the input channels (4) and the output channels (6)")]
    [InlineData("Conv2d(4, 6, 3, Stride = 0)", "Stride must be at least 1")]
    [InlineData("Conv2d(4, 6, 3, Padding = -1)", "Padding must be at least 0")]
    [InlineData("Conv2d(4, 6, 3, Dilation = 0)", "Dilation must be at least 1")]
    [InlineData("Conv2d(4, 6, 3, Groups = 0)", "Groups must be at least 1")]
    [InlineData("MaxPool2d(3, Padding = 2)", "must be at most half the kernel size")]
    [InlineData("AvgPool2d(2, Stride = -1)", "Stride must be at least 1")]
    public void SNN012_invalid_convolution_and_pooling_options(string layer, string message)
    {
        var d = Single($$"""
            using StaticNet;
            [InputShape(4, 10, 10)]
            [{{layer}}, Flatten, Dense(10, 2)]
            public partial class Net { }
            """, "SNN012");
        Assert.Equal(layer, d.Text);
        Assert.Contains(message, d.Message);
    }

    [Theory]
    [InlineData("InputShape(0, 28, 28)", "SNN003")]
    [InlineData("InputShape(1, -2)", "SNN003")]
    [InlineData("InputShape(4096, 4096, 2)", "SNN011")]
    public void InputShape_sizes_are_checked_on_the_attribute(string shape, string id)
    {
        var d = Single($$"""
            using StaticNet;
            [{{shape}}]
            [Conv2d(1, 2, 3), Flatten, Dense(10, 2)]
            public partial class Net { }
            """, id);
        Assert.Equal(shape, d.Text);
    }

    [Fact]
    public void A_valid_network_has_no_diagnostics_and_InputShape_does_not_count_for_positions()
    {
        var run = GeneratorHarness.Run("""
            using StaticNet;
            [InputShape(1, 28, 28)]
            [Conv2d(1, 8, 5, Padding = 2), ReLU, MaxPool2d(2), Flatten, Dense(1568, 10)]
            public partial class Net { }
            """);
        run.AssertCompilesCleanly();
        string source = run.Source("Net.g.cs");
        Assert.Contains("\"0.weight\"", source);
        Assert.Contains("\"4.weight\"", source);
        Assert.Contains("(N, 8, 14, 14)", source);
    }

    private static Located Single(string source, string id)
    {
        var run = GeneratorHarness.Run(source);
        var matching = run.GeneratorDiagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1, $"Expected one {id}, got: {string.Join("\n", run.GeneratorDiagnostics)}");
        Assert.True(run.GeneratorDiagnostics.Count(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error) == 1, $"Expected only {id}, got: {string.Join("\n", run.GeneratorDiagnostics)}");
        return Located.From(run, matching[0]);
    }
}
