using System.Linq;
using Microsoft.CodeAnalysis;
using StaticNet.Generator.Tests.Support;

namespace StaticNet.Generator.Tests.Generator;

/// <summary>One test per diagnostic ID: the right ID, on the right attribute or class, with a message a user can act on.</summary>
public sealed class DiagnosticTests
{
    [Fact]
    public void SNN001_class_not_partial_is_reported_on_the_class_name()
    {
        var d = Single("""
            using StaticNet;
            [Dense(4, 2)]
            public class Net { }
            """, "SNN001");
        Assert.Equal("Net", d.Text);
        Assert.Equal(2, d.Line);
        Assert.Contains("partial", d.Message);
    }

    [Fact]
    public void SNN002_sizes_that_do_not_chain_are_reported_on_the_offending_attribute()
    {
        var d = Single("""
            using StaticNet;
            [Dense(784, 128), ReLU,
             Dense(100, 10)]
            public partial class Bad { }
            """, "SNN002");
        Assert.Equal("Dense(100, 10)", d.Text);
        Assert.Equal(2, d.Line);
        Assert.Contains("expects 100 input features", d.Message);
        Assert.Contains("produces 128", d.Message);
    }

    [Theory]
    [InlineData("Dense(0, 4)", "0")]
    [InlineData("Dense(4, -1)", "-1")]
    [InlineData("BatchNorm(0)", "0")]
    public void SNN003_non_positive_sizes_are_reported_on_the_attribute(string layer, string size)
    {
        var d = Single($$"""
            using StaticNet;
            [{{layer}}, Dense(4, 2)]
            public partial class Net { }
            """, "SNN003");
        Assert.Equal(layer, d.Text);
        Assert.Contains($"size of {size}", d.Message);
    }

    [Fact]
    public void SNN004_a_network_without_dense_is_reported_once_on_its_first_layer()
    {
        var d = Single("""
            using StaticNet;
            [ReLU, BatchNorm(4), Softmax]
            public partial class NoWeights { }
            """, "SNN004");
        Assert.Equal("ReLU", d.Text);
        Assert.Contains("NoWeights", d.Message);
    }

    [Theory]
    [InlineData("[Dense(8, 16), BatchNorm(15), ReLU]", "BatchNorm(15)")]
    [InlineData("[Dense(8, 16), GELU, LayerNorm(15)]", "LayerNorm(15)")]
    public void SNN005_normalisation_width_mismatch_is_reported_on_the_normalisation(string attributes, string located)
    {
        var d = Single($$"""
            using StaticNet;
            {{attributes}}
            public partial class Net { }
            """, "SNN005");
        Assert.Equal(located, d.Text);
        Assert.Contains("15", d.Message);
        Assert.Contains("16", d.Message);
    }

    [Theory]
    [InlineData("Dropout(1f)")]
    [InlineData("Dropout(-0.1f)")]
    [InlineData("Dropout(float.NaN)")]
    public void SNN006_dropout_outside_0_to_1_is_reported_on_the_dropout(string layer)
    {
        var d = Single($$"""
            using StaticNet;
            [Dense(8, 16), {{layer}}]
            public partial class Net { }
            """, "SNN006");
        Assert.Equal(layer, d.Text);
    }

    [Fact]
    public void SNN007_softmax_not_last_is_a_warning_and_the_network_is_still_generated()
    {
        var run = GeneratorHarness.Run("""
            using StaticNet;
            [Dense(8, 16), Softmax, Dense(16, 2)]
            public partial class Net { }
            """);
        var d = Located.From(run, run.GeneratorDiagnostics.Single());
        Assert.Equal("SNN007", d.Id);
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal("Softmax", d.Text);
        Assert.Contains("Net.g.cs", run.Sources.Keys);
    }

    [Theory]
    [InlineData("public partial class Outer { [Dense(4, 2)] public partial class Net { } }", "nested")]
    [InlineData("[Dense(4, 2)] public partial class Net<T> { }", "generic")]
    [InlineData("[Dense(4, 2)] public static partial class Net { }", "static")]
    [InlineData("[Dense(4, 2)] public abstract partial class Net { }", "abstract")]
    [InlineData("[Dense(4, 2)] public partial record Net(int X);", "primary constructor")]
    [InlineData("[Dense(4, 2)] public partial class Net(int x) { public int X => x; }", "primary constructor")]
    public void SNN008_unsupported_classes_are_reported_on_the_class_name(string declaration, string why)
    {
        var d = Single("using StaticNet;\n" + declaration, "SNN008");
        Assert.Equal("Net", d.Text);
        Assert.Contains(why, d.Message);
    }

    [Theory]
    [InlineData("Dense(Sizes.In, 2)")]
    [InlineData("Dense(4)")]
    [InlineData("Dense(\"4\", 2)")]
    public void SNN009_arguments_that_are_not_constants_are_reported_and_nothing_is_generated(string layer)
    {
        var run = GeneratorHarness.Run($$"""
            using StaticNet;
            public static class Sizes { public static readonly int In = 4; }
            [{{layer}}]
            public partial class Net { }
            """);
        var d = Located.From(run, run.GeneratorDiagnostics.Single());
        Assert.Equal("SNN009", d.Id);
        Assert.Equal(layer, d.Text);
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void SNN010_layers_on_two_partial_declarations_are_reported_on_the_second()
    {
        var run = GeneratorHarness.Run(new[]
        {
            "using StaticNet;\n[Dense(4, 8), ReLU]\npublic partial class Net { }",
            "using StaticNet;\n[Dense(8, 2)]\npublic partial class Net { }",
        });
        var d = Located.From(run, run.GeneratorDiagnostics.Single());
        Assert.Equal("SNN010", d.Id);
        Assert.Equal("Dense(8, 2)", d.Text);
        Assert.Equal("Network1.cs", d.File);
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void Attributes_on_one_declaration_and_members_on_another_are_fine()
    {
        var run = GeneratorHarness.Run(new[]
        {
            "using StaticNet;\n[Dense(4, 8), ReLU, Dense(8, 2)]\npublic partial class Net { }",
            "public partial class Net { public int Extra => InputSize; }",
        });
        run.AssertCompilesCleanly();
    }

    [Theory]
    [InlineData("Dense(int.MaxValue, 2)", "features")]
    [InlineData("Dense(100000, 100000)", "weights")]
    public void SNN011_sizes_beyond_the_supported_range_are_reported(string layer, string what)
    {
        var d = Single($$"""
            using StaticNet;
            [{{layer}}]
            public partial class Net { }
            """, "SNN011");
        Assert.Equal(layer, d.Text);
        Assert.Contains(what, d.Message);
    }

    [Theory]
    [InlineData("[Dense(4, 8, Name = \"fc\"), Dense(8, 2, Name = \"fc\")]", "Dense(8, 2, Name = \"fc\")", "fc.*")]
    [InlineData("[Dense(4, 8, Name = \"\"), Dense(8, 2)]", "Dense(4, 8, Name = \"\")", "must not be empty")]
    [InlineData("[Dense(4, 8), LeakyReLU(float.PositiveInfinity)]", "LeakyReLU(float.PositiveInfinity)", "finite")]
    [InlineData("[Dense(4, 8), BatchNorm(8, Epsilon = -1f)]", "BatchNorm(8, Epsilon = -1f)", "Epsilon")]
    [InlineData("[Dense(4, 8), LayerNorm(8, Epsilon = float.NaN)]", "LayerNorm(8, Epsilon = float.NaN)", "Epsilon")]
    [InlineData("[Dense(4, 8), ELU(float.NaN)]", "ELU(float.NaN)", "alpha must be a finite number")]
    [InlineData("[Dense(4, 8), Softplus(0f)]", "Softplus(0f)", "Beta must be greater than 0")]
    [InlineData("[Dense(4, 8), Softplus(1f, float.PositiveInfinity)]", "Softplus(1f, float.PositiveInfinity)", "threshold must be a finite number")]
    [InlineData("[Dense(4, 8), GELU(Approximate = \"fast\")]", "GELU(Approximate = \"fast\")", "\"none\" or \"tanh\"")]
    [InlineData("[Dense(4, 8, Format = (WeightFormat)7)]", "Dense(4, 8, Format = (WeightFormat)7)", "Format = 7 is not a WeightFormat")]
    [InlineData("[WeightFormat((WeightFormat)4), Dense(4, 8)]", "WeightFormat((WeightFormat)4)", "4 is not a WeightFormat")]
    [InlineData("[WeightFormat(WeightFormat.Int8Dynamic), Dense(131073, 2)]", "Dense(131073, 2)", "at most 131,072 inputs")]
    public void SNN012_invalid_options_are_reported_on_the_attribute(string attributes, string located, string message)
    {
        var d = Single($$"""
            using StaticNet;
            {{attributes}}
            public partial class Net { }
            """, "SNN012");
        Assert.Equal(located, d.Text);
        Assert.Contains(message, d.Message);
    }

    [Fact]
    public void Every_descriptor_has_a_unique_stable_id_and_a_help_link()
    {
        var descriptors = typeof(NetworkGenerator).Assembly.GetType("StaticNet.Generator.Diagnostics.DiagnosticDescriptors")!
            .GetFields()
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .ToList();
        Assert.True(descriptors.Count >= 15);
        Assert.Equal(descriptors.Count, descriptors.Select(d => d.Id).Distinct().Count());
        Assert.All(descriptors, d =>
        {
            Assert.Matches("^SNN0[0-9][0-9]$", d.Id);
            Assert.EndsWith("#" + d.Id.ToLowerInvariant(), d.HelpLinkUri);
        });
    }

    private static Located Single(string source, string id)
    {
        var run = GeneratorHarness.Run(source);
        var matching = run.GeneratorDiagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1, $"Expected one {id}, got: {string.Join("\n", run.GeneratorDiagnostics)}");
        return Located.From(run, matching[0]);
    }
}

/// <summary>A diagnostic with the source text it points at, for readable assertions.</summary>
internal sealed record Located(string Id, DiagnosticSeverity Severity, string Text, int Line, string File, string Message)
{
    public static Located From(GeneratorRun run, Diagnostic diagnostic)
    {
        FileLinePositionSpan span = diagnostic.Location.GetLineSpan();
        SyntaxTree tree = run.Output.SyntaxTrees.Single(t => t.FilePath == span.Path);
        return new Located(
            diagnostic.Id,
            diagnostic.Severity,
            tree.GetText().ToString(diagnostic.Location.SourceSpan),
            span.StartLinePosition.Line,
            span.Path,
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }
}
