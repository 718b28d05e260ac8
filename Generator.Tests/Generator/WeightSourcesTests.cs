using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using StaticNet.Generator.Tests.Support;
using StaticNet.Generator.Tests.Weights;

namespace StaticNet.Generator.Tests.Generator;

/// <summary>
/// [Weights] with a NumPy .npz or an ONNX model: checked against the declared layers at compile time (names, dtypes,
/// shapes, the layout, ONNX's operator sequence), reported on the attribute, embedded when they fit; hostile files
/// give a diagnostic, never a generator exception.
/// </summary>
public sealed class WeightSourcesTests
{
    private const string Digits = """
        using StaticNet;
        [Weights("digits.npz", Layout = WeightLayout.InputsByOutputs)]
        [Dense(64, 32), ReLU, Dense(32, 16), ReLU, Dense(16, 10), Softmax]
        public partial class DigitsNet { }
        """;

    private const string Gemm = """
        using StaticNet;
        [Weights("gemm.onnx")]
        [Dense(5, 6), ReLU, Dense(6, 4), Softmax]
        public partial class GemmNet { }
        """;

    [Fact]
    public void An_npz_that_fits_is_embedded_and_loads_in_its_layout()
    {
        GeneratorRun run = GeneratorHarness.Run(Digits, Sidecar("/data/digits.npz"));
        run.AssertCompilesCleanly();
        Assert.Contains(
            "public static DigitsNet LoadEmbedded() => LoadFrom(global::StaticNet.Weights.NpzReader.Open(global::StaticNet.Weights.EmbeddedWeights.Decode(EmbeddedWeights)), global::StaticNet.WeightLayout.InputsByOutputs);",
            run.Source("DigitsNet.Weights.g.cs"),
            StringComparison.Ordinal);
    }

    [Fact]
    public void An_onnx_model_that_is_the_declared_layers_is_embedded_and_loads_through_LoadOnnx()
    {
        GeneratorRun run = GeneratorHarness.Run(Gemm, Sidecar("gemm.onnx"));
        run.AssertCompilesCleanly();
        Assert.Contains("LoadEmbedded() => LoadOnnx(new global::System.ReadOnlySpan<byte>(", run.Source("GemmNet.Weights.g.cs"), StringComparison.Ordinal);
    }

    [Fact]
    public void SNN025_an_in_out_matrix_without_the_layout_option_is_reported_as_transposed()
    {
        Located d = Single(Digits.Replace(", Layout = WeightLayout.InputsByOutputs", string.Empty, StringComparison.Ordinal), Sidecar("digits.npz"));
        Assert.Equal("SNN025", d.Id);
        Assert.Equal("Weights(\"digits.npz\")", d.Text);
        Assert.Contains("tensor '0.weight' of Dense(64, 32) is (in, out) = (64, 32)", d.Message, StringComparison.Ordinal);
        Assert.Contains("it looks transposed", d.Message, StringComparison.Ordinal);
        Assert.Contains("add Layout = WeightLayout.InputsByOutputs to [Weights]", d.Message, StringComparison.Ordinal);

        d = Single("""
            using StaticNet;
            [Weights("mlp.out_in.f32.npz", Layout = WeightLayout.InputsByOutputs)]
            [Dense(12, 16), ReLU, Dense(16, 8), Tanh, Dense(8, 3)]
            public partial class Mlp { }
            """, Sidecar("mlp.out_in.f32.npz"));
        Assert.Equal("SNN025", d.Id);
        Assert.Contains("is (out, in) = (16, 12)", d.Message, StringComparison.Ordinal);
        Assert.Contains("remove the Layout option", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SNN021_an_npz_array_that_is_missing_or_has_another_shape_is_named()
    {
        Located d = Single(Digits.Replace("Dense(32, 16)", "Dense(32, 16, Name = \"fc2\")", StringComparison.Ordinal), Sidecar("digits.npz"));
        Assert.Equal("SNN021", d.Id);
        Assert.Contains("tensor 'fc2.weight' with shape (32, 16) is missing", d.Message, StringComparison.Ordinal);

        d = Single(Digits.Replace("Dense(16, 10), Softmax", "Dense(16, 10), Dense(10, 3)", StringComparison.Ordinal), Sidecar("digits.npz"));
        Assert.Equal("SNN021", d.Id);
        Assert.Contains("tensor '5.weight' with shape (10, 3) is missing", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SNN024_an_onnx_graph_that_is_not_the_declared_layers_names_the_node_and_the_layer()
    {
        Located d = Single(Gemm.Replace("ReLU", "Sigmoid", StringComparison.Ordinal), Sidecar("gemm.onnx"));
        Assert.Equal("SNN024", d.Id);
        Assert.Equal("Weights(\"gemm.onnx\")", d.Text);
        Assert.Contains("(Relu, #1) is ReLU (operator Relu), but layer 1 is declared Sigmoid", d.Message, StringComparison.Ordinal);

        d = Single(Gemm.Replace("Dense(6, 4)", "Dense(6, 4, Bias = false)", StringComparison.Ordinal), Sidecar("gemm.onnx"));
        Assert.Contains("but layer 2 is declared Dense(6, 4, Bias = false)", d.Message, StringComparison.Ordinal);

        // The graph does not map at all: matmul_add.onnx declared as one layer still maps, so the first difference is named.
        d = Single("""
            using StaticNet;
            [Weights("matmul_add.onnx")]
            [Dense(5, 7), Tanh]
            public partial class Short { }
            """, Sidecar("matmul_add.onnx"));
        Assert.Equal("SNN024", d.Id);
        Assert.Contains("but the declared layers end before it", d.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("digits.npz")]
    [InlineData("gemm.onnx")]
    public void SNN022_a_truncated_file_is_reported_with_the_reason(string file)
    {
        byte[] bytes = WeightFormatFixtures.File(file);
        string source = file.EndsWith(".npz", StringComparison.Ordinal) ? Digits : Gemm;
        Located d = Single(source, Sidecar(file, bytes[..(bytes.Length / 2)]));
        Assert.Equal("SNN022", d.Id);
        Assert.Contains(file, d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SNN022_a_single_npy_array_is_refused_with_the_npz_to_save_instead()
    {
        Located d = Single(Digits.Replace("digits.npz", "digits.npy", StringComparison.Ordinal), new InMemoryAdditionalText("/src/digits.npy", "\u0093NUMPY"));
        Assert.Equal("SNN022", d.Id);
        Assert.Contains("np.savez", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SNN023_a_listed_onnx_file_without_the_build_step_says_to_import_the_targets()
    {
        Located d = Single(Gemm, new InMemoryAdditionalText("/src/gemm.onnx", "\u0008binary"));
        Assert.Equal("SNN023", d.Id);
    }

    [Theory]
    [InlineData("digits.npz")]
    [InlineData("gemm.onnx")]
    [InlineData("torch_mlp.onnx")]
    public void Mutated_files_never_make_the_generator_throw(string file)
    {
        string source = file switch
        {
            "digits.npz" => Digits,
            "gemm.onnx" => Gemm,
            _ => """
                using StaticNet;
                [Weights("torch_mlp.onnx")]
                [Dense(12, 16), BatchNorm(16), LeakyReLU(0.2f), Dense(16, 8), Sigmoid, Dense(8, 3), Softmax]
                public partial class TorchNet { }
                """,
        };
        int cases = Environment.GetEnvironmentVariable("STATICNET_STRESS") == "1" ? 3000 : 150;
        byte[] original = WeightFormatFixtures.File(file);
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(source);
        var random = new Random(0x5EED ^ original.Length);
        int embedded = 0, reported = 0;
        for (int i = 0; i < cases; i++)
        {
            byte[] mutated = Mutate(original, random);
            GeneratorDriver driver = GeneratorHarness.CreateDriver([Sidecar(file, mutated)]).RunGenerators(compilation);
            GeneratorRunResult result = driver.GetRunResult().Results.Single();
            Assert.True(result.Exception is null, $"{file}, case {i}: the generator threw {result.Exception}");
            ImmutableArray<Diagnostic> diagnostics = result.Diagnostics;
            if (diagnostics.IsEmpty)
            {
                Assert.Contains(result.GeneratedSources, s => s.HintName.EndsWith(".Weights.g.cs", StringComparison.Ordinal));
                embedded++;
            }
            else
            {
                Assert.All(diagnostics, d => Assert.Contains(d.Id, new[] { "SNN021", "SNN022", "SNN024", "SNN025" }));
                Assert.All(diagnostics, d => Assert.False(string.IsNullOrWhiteSpace(d.GetMessage(System.Globalization.CultureInfo.InvariantCulture))));
                reported++;
            }
        }

        Assert.True(reported > cases / 10, $"{file}: only {reported} of {cases} mutations were reported");
        Assert.Equal(cases, embedded + reported);
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        byte[] file = (byte[])original.Clone();
        switch (random.Next(4))
        {
            case 0:
                return file[..random.Next(file.Length)];
            case 1:
                for (int n = random.Next(1, 4); n > 0; n--)
                {
                    int at = random.Next(file.Length);
                    file[at] ^= (byte)(1 << random.Next(8));
                }

                return file;
            case 2:
                int position = random.Next(file.Length);
                file[position] = (byte)random.Next(256);
                return file;
            default:
                int start = random.Next(file.Length);
                int count = Math.Min(random.Next(1, 16), file.Length - start);
                return [.. file[..start], .. file[(start + count)..]];
        }
    }

    private static Located Single(string source, params AdditionalText[] files)
    {
        GeneratorRun run = GeneratorHarness.Run(source, files);
        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.DoesNotContain(run.Sources.Keys, k => k.EndsWith(".Weights.g.cs", StringComparison.Ordinal));
        return Located.From(run, diagnostic);
    }

    private static InMemoryAdditionalText Sidecar(string originalPath, byte[]? file = null)
        => new(
            Path.GetFileName(originalPath) + ".staticnet-weights.txt",
            $"staticnet-weights-v1\n{originalPath}\n{Convert.ToBase64String(file ?? WeightFormatFixtures.File(Path.GetFileName(originalPath)))}\n");
}
