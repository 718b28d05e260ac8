using System;
using System.IO;
using System.Runtime.InteropServices;
using StaticNet.Generator.Tests.Support;

namespace StaticNet.Generator.Tests.Networks;

/// <summary>
/// StaticNet against PyTorch itself: weights and eval-mode outputs made by tools/make_fixtures.py (PyTorch,
/// committed), for nn.Sequential models and modules with named children (LayerNorm, the smooth activations and
/// convolutional networks with stride, padding, dilation, groups and pooling included), in F32, F16 and BF16, with
/// num_batches_tracked (I64) and __metadata__ in every file. Tolerance from API.md: |Δ| ≤ 1e-5 · max(1, |y|).
/// </summary>
public sealed class PyTorchParityTests
{
    public static TheoryData<string, string> Fixtures
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (string model in new[] { "seq_mlp", "seq_bn", "named", "standalone_bn", "wide_odd", "seq_smooth", "named_layernorm", "lenet", "cnn_odd", "cnn_1d" })
            {
                foreach (string dtype in new[] { "f32", "f16", "bf16" })
                {
                    data.Add(model, dtype);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Outputs_equal_pytorch_eval_mode(string model, string dtype)
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "Fixtures", "PyTorch");
        string weights = Path.Combine(directory, $"{model}.{dtype}.safetensors");
        float[] inputs = ReadFloats(Path.Combine(directory, $"{model}.inputs.bin"));
        float[] expected = ReadFloats(Path.Combine(directory, $"{model}.{dtype}.expected.bin"));
        float[] actual = new float[expected.Length];

        switch (model)
        {
            case "seq_mlp": SeqMlp.Load(weights).Forward(inputs, actual); break;
            case "seq_bn": SeqBn.Load(weights).Forward(inputs, actual); break;
            case "named": Named.Load(weights).Forward(inputs, actual); break;
            case "standalone_bn": StandaloneBn.Load(weights).Forward(inputs, actual); break;
            case "wide_odd": WideOdd.Load(weights).Forward(inputs, actual); break;
            case "seq_smooth": SeqSmooth.Load(weights).Forward(inputs, actual); break;
            case "named_layernorm": NamedLayerNorm.Load(weights).Forward(inputs, actual); break;
            case "lenet": LeNet.Load(weights).Forward(inputs, actual); break;
            case "cnn_odd": CnnOdd.Load(weights).Forward(inputs, actual); break;
            case "cnn_1d": Cnn1d.Load(weights).Forward(inputs, actual); break;
            default: throw new ArgumentOutOfRangeException(nameof(model));
        }

        ReferenceNetwork.AssertClose(expected, actual, $"{model} ({dtype}) vs PyTorch");
    }

    [Fact]
    public void Loading_from_a_stream_and_from_bytes_gives_the_same_network()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "PyTorch", "named.f32.safetensors");
        float[] inputs = ReadFloats(Path.Combine(AppContext.BaseDirectory, "Fixtures", "PyTorch", "named.inputs.bin"));
        float[] fromStream = new float[37 * Named.OutputSize], fromBytes = new float[37 * Named.OutputSize];
        using (FileStream stream = File.OpenRead(path))
        {
            Named.Load(stream).Forward(inputs, fromStream);
        }

        Named.Load(File.ReadAllBytes(path).AsSpan()).Forward(inputs, fromBytes);
        Assert.Equal(NetworkTests.Bits(fromBytes), NetworkTests.Bits(fromStream));
    }

    [Fact]
    public void A_missing_file_throws_FileNotFoundException()
        => Assert.Throws<FileNotFoundException>(() => SeqMlp.Load(Path.Combine(AppContext.BaseDirectory, "no-such-file.safetensors")));

    [Fact]
    public void A_file_for_another_architecture_throws_InvalidDataException_naming_the_tensor_and_shapes()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "PyTorch", "seq_mlp.f32.safetensors");
        var e = Assert.Throws<InvalidDataException>(() => SeqBn.Load(path));
        Assert.Contains("0.weight", e.Message);
        Assert.Contains("(33, 17)", e.Message);
        Assert.Contains("(64, 20)", e.Message);
    }

    internal static float[] ReadFloats(string path) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();
}
