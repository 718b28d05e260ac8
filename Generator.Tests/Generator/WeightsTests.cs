using System;
using System.Linq;
using StaticNet.Generator.Tests.Networks;
using StaticNet.Generator.Tests.Support;

namespace StaticNet.Generator.Tests.Generator;

/// <summary>[Weights]: checked against the layers at compile time, embedded as constant data.</summary>
public sealed class WeightsTests
{
    private const string Network = """
        using StaticNet;
        namespace Tiny;
        [Weights("tiny.safetensors")]
        [Dense(3, 2), ReLU, Dense(2, 1, Name = "out")]
        public partial class TinyNet { }
        """;

    [Fact]
    public void Embedded_weights_compile_and_are_snapshotted()
    {
        byte[] file = TinyFile();
        GeneratorRun run = GeneratorHarness.Run(Network, Sidecar("/src/data/tiny.safetensors", file));
        run.AssertCompilesCleanly();
        Snapshot.Verify(run.Source("Tiny.TinyNet.Weights.g.cs"), "SnapshotTests.Embedded_weights");
    }

    [Fact]
    public void The_embedded_network_gives_the_same_bits_as_loading_the_file()
    {
        float[] inputs = PyTorchParityTests.ReadFloats(System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "PyTorch", "named.inputs.bin"));
        float[] expected = PyTorchParityTests.ReadFloats(System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "PyTorch", "named.f32.expected.bin"));
        float[] embedded = new float[expected.Length], loaded = new float[expected.Length];
        NamedEmbedded.LoadEmbedded().Forward(inputs, embedded);
        Named.Load(System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "PyTorch", "named.f32.safetensors")).Forward(inputs, loaded);
        Assert.Equal(NetworkTests.Bits(loaded), NetworkTests.Bits(embedded));
        ReferenceNetwork.AssertClose(expected, embedded, "embedded vs PyTorch");
    }

    [Fact]
    public void SNN020_a_weights_file_that_is_not_an_additional_file_is_reported_on_the_attribute()
    {
        GeneratorRun run = GeneratorHarness.Run(Network);
        var d = Located.From(run, run.GeneratorDiagnostics.Single());
        Assert.Equal("SNN020", d.Id);
        Assert.Equal("Weights(\"tiny.safetensors\")", d.Text);
        Assert.Contains("AdditionalFiles", d.Message);
        Assert.DoesNotContain("Tiny.TinyNet.g.cs", run.Sources.Keys);
    }

    [Fact]
    public void SNN023_a_listed_weights_file_without_the_build_step_says_to_import_the_targets()
    {
        GeneratorRun run = GeneratorHarness.Run(Network, new InMemoryAdditionalText("/src/tiny.safetensors", "\u0001binary"));
        var d = Located.From(run, run.GeneratorDiagnostics.Single());
        Assert.Equal("SNN023", d.Id);
        Assert.Equal("Weights(\"tiny.safetensors\")", d.Text);
        Assert.Contains("StaticNet.targets", d.Message);
    }

    [Theory]
    [InlineData("out.weight", new[] { 1, 3 }, "'out.weight' has shape (1, 3); expected (1, 2)")]
    [InlineData("0.bias", null, "'0.bias' with shape (2) is missing")]
    public void SNN021_a_tensor_that_does_not_fit_is_named_in_the_error(string tensor, int[]? shape, string message)
    {
        var tensors = TinyTensors().Where(t => t.Name != tensor || shape is not null)
            .Select(t => t.Name == tensor ? t with { Shape = shape!, Values = new float[shape!.Aggregate(1, (a, b) => a * b)] } : t);
        GeneratorRun run = GeneratorHarness.Run(Network, Sidecar("tiny.safetensors", SafetensorsWriter.Write(tensors)));
        var d = Located.From(run, run.GeneratorDiagnostics.Single());
        Assert.Equal("SNN021", d.Id);
        Assert.Equal("Weights(\"tiny.safetensors\")", d.Text);
        Assert.Contains(message, d.Message);
    }

    [Fact]
    public void SNN022_a_corrupt_file_is_reported_with_the_reason()
    {
        byte[] file = TinyFile()[..20];
        GeneratorRun run = GeneratorHarness.Run(Network, Sidecar("tiny.safetensors", file));
        var d = Located.From(run, run.GeneratorDiagnostics.Single());
        Assert.Equal("SNN022", d.Id);
        Assert.Contains("tiny.safetensors", d.Message);
    }

    [Fact]
    public void The_sidecar_is_found_by_the_original_path_it_records()
    {
        string bytes = Convert.ToBase64String(TinyFile());
        GeneratorRun run = GeneratorHarness.Run(Network, new InMemoryAdditionalText("x.staticnet-weights.txt", $"staticnet-weights-v1\ntiny.safetensors\n{bytes}\n"));
        run.AssertCompilesCleanly();
        Assert.Contains("Tiny.TinyNet.Weights.g.cs", run.Sources.Keys);
    }

    private static SafetensorsWriter.Tensor[] TinyTensors() =>
    [
        new("0.weight", [2, 3], [0.5f, -1f, 0.25f, 2f, 0f, -0.75f]),
        new("0.bias", [2], [0.125f, -0.5f]),
        new("out.weight", [1, 2], [1.5f, -2f]),
        new("out.bias", [1], [0.0625f]),
    ];

    private static byte[] TinyFile() => SafetensorsWriter.Write(TinyTensors());

    private static InMemoryAdditionalText Sidecar(string originalPath, byte[] file)
        => new(originalPath + ".staticnet-weights.txt", $"staticnet-weights-v1\n{originalPath}\n{Convert.ToBase64String(file)}\n");
}
