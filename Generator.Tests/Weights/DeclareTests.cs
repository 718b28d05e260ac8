using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using StaticNet.Declare;
using StaticNet.Generator.Tests.Support;

namespace StaticNet.Generator.Tests.Weights;

/// <summary>
/// tools/StaticNet.Declare: the declaration it prints for a weights file compiles against the generator with that file
/// as [Weights] (so names, shapes, layout and, for ONNX, every operator check out at compile time), and for ONNX it is
/// the layer list the fixture script recorded.
/// </summary>
public sealed partial class DeclareTests
{
    public static TheoryData<string> OnnxNetworks
        => [.. WeightFormatFixtures.Files(".onnx").Where(f => WeightFormatFixtures.Data.Files[f].Network is not null)];

    public static TheoryData<string> TensorFiles =>
    [
        .. WeightFormatFixtures.Files(".npz").Select(f => Path.Combine("WeightFormats", f)),
        .. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "PyTorch"), "*.f32.safetensors")
            .Select(f => Path.Combine("PyTorch", Path.GetFileName(f))).Order(StringComparer.Ordinal)
            .Where(f => ConvolutionsOf(ModelName(f)).Count == 0),
    ];

    /// <summary>The PyTorch fixtures with convolutions, whose skeleton cannot compile without the input's size.</summary>
    public static TheoryData<string> ConvolutionalFiles =>
    [
        .. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "PyTorch"), "*.f32.safetensors")
            .Select(f => Path.Combine("PyTorch", Path.GetFileName(f))).Order(StringComparer.Ordinal)
            .Where(f => ConvolutionsOf(ModelName(f)).Count > 0),
    ];

    [Theory]
    [MemberData(nameof(OnnxNetworks))]
    public void An_onnx_file_gives_its_whole_graph_as_a_declaration_that_compiles_with_it(string file)
    {
        byte[] bytes = WeightFormatFixtures.File(file);
        string declaration = Declaration.For(file, bytes);
        CompilesWith(declaration, file, bytes);

        // The layers, floats without C#'s f, are the ones make_weight_formats.py recorded (a leading Flatten left out).
        string[] expected = [.. WeightFormatFixtures.Data.Files[file].Network!.Layers.SkipWhile(l => l == "Flatten")];
        string list = declaration[declaration.IndexOf("\n[", declaration.IndexOf("[Weights", StringComparison.Ordinal), StringComparison.Ordinal)..];
        string[] declared = [.. Layer().Matches(list[..(list.IndexOf(']') + 1)]).Select(m => FloatSuffix().Replace(m.Value, "$1"))];
        Assert.Equal(expected, declared);
    }

    [Theory]
    [MemberData(nameof(TensorFiles))]
    public void A_tensor_file_gives_a_skeleton_that_compiles_with_it(string relativePath)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", relativePath);
        byte[] bytes = File.ReadAllBytes(path);
        string file = Path.GetFileName(path);
        string declaration = Declaration.For(file, bytes);
        CompilesWith(declaration, file, bytes);
        bool inputsByOutputs = file.Contains("in_out", StringComparison.Ordinal) || file.StartsWith("sklearn", StringComparison.Ordinal) || file == "digits.npz";
        Assert.Equal(inputsByOutputs, declaration.Contains("Layout = WeightLayout.InputsByOutputs", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ConvolutionalFiles))]
    public void A_convolutional_file_gives_its_convolutions_and_asks_for_the_input_shape(string relativePath)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", relativePath);
        string declaration = Declaration.For(Path.GetFileName(path), File.ReadAllBytes(path));

        // Each convolution as PyTorch printed the module (make_fixtures.py's manifest), groups and bias included.
        foreach (string expected in ConvolutionsOf(ModelName(relativePath)))
        {
            Assert.Contains(expected, declaration, StringComparison.Ordinal);
        }

        Assert.Contains("add [InputShape(channels, height, width)]", declaration, StringComparison.Ordinal);
        Assert.Contains("Flatten, // TODO", declaration, StringComparison.Ordinal);
    }

    private static string ModelName(string relativePath) => Path.GetFileName(relativePath).Split('.')[0];

    /// <summary>
    /// The model's convolutions as StaticNet attributes up to their options, from the module strings PyTorch printed:
    /// "Conv2d(20, 20, kernel_size=(3, 3), …, groups=4, bias=False)" → "Conv2d(20, 20, 3, Groups = 4, Bias = false".
    /// </summary>
    private static System.Collections.Generic.List<string> ConvolutionsOf(string model)
    {
        using var manifest = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "PyTorch", "manifest.json")));
        var convolutions = new System.Collections.Generic.List<string>();
        foreach (System.Text.Json.JsonElement entry in manifest.RootElement.EnumerateArray())
        {
            if (entry.GetProperty("name").GetString() != model || !entry.TryGetProperty("layers", out System.Text.Json.JsonElement layers))
            {
                continue;
            }

            foreach (System.Text.Json.JsonElement layer in layers.EnumerateArray())
            {
                Match conv = PyTorchConvolution().Match(layer.GetString()!);
                if (conv.Success)
                {
                    Match groups = Regex.Match(conv.Value, @"groups=(\d+)");
                    convolutions.Add($"Conv{conv.Groups[1].Value}d({conv.Groups[2].Value}, {conv.Groups[3].Value}, {conv.Groups[4].Value}"
                        + (groups.Success ? $", Groups = {groups.Groups[1].Value}" : string.Empty)
                        + (conv.Value.Contains("bias=False", StringComparison.Ordinal) ? ", Bias = false" : string.Empty));
                }
            }
        }

        return convolutions;
    }

    [GeneratedRegex(@"Conv([12])d\((\d+), (\d+), kernel_size=\((\d+)[^)]*\)[^\n]*")]
    private static partial Regex PyTorchConvolution();

    [Fact]
    public void The_scikit_learn_skeleton_marks_the_activations_it_cannot_know()
    {
        string declaration = Declaration.For("digits.npz", WeightFormatFixtures.File("digits.npz"));
        Assert.Contains("[Weights(\"digits.npz\", Layout = WeightLayout.InputsByOutputs)]\n[Dense(64, 32),\n ReLU, // TODO position 1", declaration, StringComparison.Ordinal);
        Assert.Contains(" Dense(16, 10)]\n// TODO", declaration, StringComparison.Ordinal);
        Assert.Contains("public partial class DigitsNet { }", declaration, StringComparison.Ordinal);

        // --layout overrides what the chaining says; the declaration then fails to compile with SNN025, as it should.
        string forced = Declaration.For("digits.npz", WeightFormatFixtures.File("digits.npz"), WeightLayout.OutputsByInputs, "Forced");
        Assert.Contains("[Dense(32, 64),", forced, StringComparison.Ordinal);
        Assert.Contains("public partial class Forced { }", forced, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_command_prints_the_declaration_and_fails_with_a_message_on_a_bad_file()
    {
        string file = Path.Combine(WeightFormatFixtures.Directory, "torch_mlp.onnx");
        (int code, string output, string error) = await RunCommand(file);
        Assert.True(code == 0, error);
        Assert.Equal(Declaration.For("torch_mlp.onnx", File.ReadAllBytes(file)), output);

        string corrupt = Path.Combine(Path.GetTempPath(), $"staticnet-declare-{Environment.ProcessId}.onnx");
        await File.WriteAllBytesAsync(corrupt, File.ReadAllBytes(file)[..100]);
        try
        {
            (code, output, error) = await RunCommand(corrupt);
            Assert.Equal(1, code);
            Assert.Empty(output);
            Assert.Contains("ONNX", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(corrupt);
        }

        (code, _, error) = await RunCommand("--layout");
        Assert.Equal(2, code);
        Assert.Contains("usage: StaticNet.Declare", error, StringComparison.Ordinal);
    }

    private static void CompilesWith(string declaration, string file, byte[] bytes)
    {
        var sidecar = new InMemoryAdditionalText(file + ".staticnet-weights.txt", $"staticnet-weights-v1\n/models/{file}\n{Convert.ToBase64String(bytes)}\n");
        GeneratorRun run = GeneratorHarness.Run("using StaticNet;\n" + declaration, sidecar);
        run.AssertCompilesCleanly();
        Assert.Contains(run.Sources.Keys, k => k.EndsWith(".Weights.g.cs", StringComparison.Ordinal));
    }

    private static async Task<(int Code, string Output, string Error)> RunCommand(params string[] arguments)
    {
        // The tool's assembly is copied beside the tests; it runs on the tests' runtime configuration.
        string tool = typeof(Declaration).Assembly.Location;
        string runtimeConfig = Path.ChangeExtension(typeof(DeclareTests).Assembly.Location, ".runtimeconfig.json");
        var start = new ProcessStartInfo("dotnet", ["exec", "--runtimeconfig", runtimeConfig, tool, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process child = Process.Start(start)!;
        Task<string> output = child.StandardOutput.ReadToEndAsync();
        Task<string> error = child.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await child.WaitForExitAsync(timeout.Token);
        return (child.ExitCode, await output, await error);
    }

    [GeneratedRegex(@"[A-Za-z][A-Za-z0-9]*(\([^)]*\))?")]
    private static partial Regex Layer();

    [GeneratedRegex(@"(\d)f\b")]
    private static partial Regex FloatSuffix();
}
