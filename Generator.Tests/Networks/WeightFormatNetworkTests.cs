using System;
using System.IO;
using System.Linq;
using System.Reflection;
using StaticNet.Generator.Tests.Kernels;
using StaticNet.Generator.Tests.Support;

namespace StaticNet.Generator.Tests.Networks;

/// <summary>
/// Networks whose dense weights are stored as int8 or bfloat16, against PyTorch with the dequantised weights
/// (tools/make_format_fixtures.py), against each other (an int8 file, a conversion at load, an embedded conversion),
/// and across batch sizes and threads.
/// </summary>
public sealed class WeightFormatNetworkTests
{
    private static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "Fixtures", "PyTorch");

    private delegate void ForwardFn(ReadOnlySpan<float> inputs, Span<float> outputs);

    public static TheoryData<string, string> Fixtures()
    {
        var data = new TheoryData<string, string>();
        foreach (string model in new[] { "seq_mlp", "seq_bn", "named", "wide_odd", "seq_smooth" })
        {
            data.Add(model, "int8");
            data.Add(model, "bf16w");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Outputs_equal_pytorch_with_the_stored_weights(string model, string format)
    {
        float[] expected = PyTorchParityTests.ReadFloats(Path.Combine(Directory, $"{model}.{format}.expected.bin"));
        float[] actual = Run(model, format, File.ReadAllBytes(Path.Combine(Directory, $"{model}.f32.safetensors")));
        ReferenceNetwork.AssertClose(expected, actual, $"{model} ({format}) vs PyTorch");

        // The stored format matters: the float32 outputs are farther from these than the tolerance.
        float[] float32 = PyTorchParityTests.ReadFloats(Path.Combine(Directory, $"{model}.f32.expected.bin"));
        Assert.Contains(expected.Zip(float32), pair => Math.Abs(pair.First - pair.Second) > 1e-4 * Math.Max(1, Math.Abs(pair.First)));
    }

    [Theory]
    [InlineData("seq_mlp")]
    [InlineData("seq_bn")]
    [InlineData("named")]
    [InlineData("wide_odd")]
    [InlineData("seq_smooth")]
    public void An_int8_file_loads_exactly_as_the_float_file_converted_at_load(string model)
    {
        float[] converted = Run(model, "int8", File.ReadAllBytes(Path.Combine(Directory, $"{model}.f32.safetensors")));
        float[] stored = Run(model, "int8", File.ReadAllBytes(Path.Combine(Directory, $"{model}.int8.safetensors")));
        KernelPaths.AssertBitIdentical(converted, stored, $"{model}: int8 file vs float32 file quantised at load");
    }

    [Theory]
    [InlineData("seq_mlp")]
    [InlineData("wide_odd")]
    [InlineData("seq_smooth")]
    public void A_bfloat16_file_is_kept_exactly(string model)
    {
        // Every tensor of the bf16 file is a bfloat16 value, so its PyTorch outputs are those of this network.
        float[] expected = PyTorchParityTests.ReadFloats(Path.Combine(Directory, $"{model}.bf16.expected.bin"));
        float[] actual = Run(model, "bf16w", File.ReadAllBytes(Path.Combine(Directory, $"{model}.bf16.safetensors")));
        ReferenceNetwork.AssertClose(expected, actual, $"{model} bf16 file in a bfloat16 network vs PyTorch");
    }

    [Fact]
    public void Embedded_weights_converted_at_compile_time_give_the_network_Load_builds()
    {
        byte[] seqMlp = File.ReadAllBytes(Path.Combine(Directory, "seq_mlp.f32.safetensors"));
        byte[] named = File.ReadAllBytes(Path.Combine(Directory, "named.f32.safetensors"));
        float[] x = PyTorchParityTests.ReadFloats(Path.Combine(Directory, "seq_mlp.inputs.bin"));
        float[] xNamed = PyTorchParityTests.ReadFloats(Path.Combine(Directory, "named.inputs.bin"));
        KernelPaths.AssertBitIdentical(Forward(Int8SeqMlp.Load(seqMlp).Forward, x, 20, 5), Forward(Int8SeqMlpEmbedded.LoadEmbedded().Forward, x, 20, 5), "int8 seq_mlp");
        KernelPaths.AssertBitIdentical(Forward(BFloat16SeqMlp.Load(seqMlp).Forward, x, 20, 5), Forward(BFloat16SeqMlpEmbedded.LoadEmbedded().Forward, x, 20, 5), "bf16 seq_mlp");
        KernelPaths.AssertBitIdentical(Forward(Int8Named.Load(named).Forward, xNamed, 12, 4), Forward(Int8NamedEmbedded.LoadEmbedded().Forward, xNamed, 12, 4), "int8 named");

        // 3,589 parameters of which 3,488 weights: int8 stores each in 1 byte (plus a scale per output), bfloat16 in 2.
        int int8Bytes = EmbeddedLength<Int8SeqMlpEmbedded>();
        int bfloat16Bytes = EmbeddedLength<BFloat16SeqMlpEmbedded>();
        Assert.InRange(int8Bytes, 0, seqMlp.Length * 0.35);
        Assert.InRange(bfloat16Bytes, seqMlp.Length * 0.45, seqMlp.Length * 0.6);
    }

    [Fact]
    public void Layers_take_their_own_format_over_the_networks()
    {
        // MixedSeqMlp: float32, bfloat16, then int8 (the network's), computed here layer by layer from the rules.
        byte[] file = File.ReadAllBytes(Path.Combine(Directory, "seq_mlp.f32.safetensors"));
        var reader = StaticNet.Weights.SafetensorsReader.Open(file);
        float[] x = PyTorchParityTests.ReadFloats(Path.Combine(Directory, "seq_mlp.inputs.bin"));
        int rows = x.Length / 20;
        float[] h1 = WeightFormatKernelTests.Reference(WeightFormat.Float32, reader.ReadTensor("0.weight", 64, 20), reader.ReadTensor("0.bias", 64), x, rows, 20, 64, v => Math.Max(v, 0f));
        float[] h2 = WeightFormatKernelTests.Reference(WeightFormat.BFloat16, reader.ReadTensor("2.weight", 32, 64), reader.ReadTensor("2.bias", 32), h1, rows, 64, 32, StaticNet.Kernels.TanhActivation.Apply);
        float[] expected = WeightFormatKernelTests.Reference(WeightFormat.Int8, reader.ReadTensor("4.weight", 5, 32), reader.ReadTensor("4.bias", 5), h2, rows, 32, 5, v => v);
        StaticNet.Kernels.SoftmaxKernel.Apply(expected, 5);
        KernelPaths.AssertBitIdentical(expected, Forward(MixedSeqMlp.Load(file).Forward, x, 20, 5), "per-layer formats");
    }

    [Fact]
    public void Every_batch_size_and_ForwardParallel_give_the_same_bits_and_allocate_nothing()
    {
        var large = Int8LargeLayer.Load(RandomFile(Int8LargeLayer.InputSize, 1500, 3, new Random(7)));
        var mnist = Int8MnistNet.Load(RandomFile(784, 128, 64, 10, new Random(8)));
        var mnistBFloat16 = BFloat16MnistNet.Load(RandomFile(784, 128, 64, 10, new Random(8)));
        var random = new Random(9);
        foreach ((ForwardFn forward, ForwardFn parallel, int k, int n) in new[]
        {
            ((ForwardFn)large.Forward, (ForwardFn)large.ForwardParallel, Int8LargeLayer.InputSize, Int8LargeLayer.OutputSize),
            ((ForwardFn)mnist.Forward, (ForwardFn)mnist.ForwardParallel, Int8MnistNet.InputSize, Int8MnistNet.OutputSize),
            ((ForwardFn)mnistBFloat16.Forward, (ForwardFn)mnistBFloat16.ForwardParallel, BFloat16MnistNet.InputSize, BFloat16MnistNet.OutputSize),
        })
        {
            float[] x = KernelPaths.RandomValues(random, 40 * k, 2f);
            float[] together = Forward(forward, x, k, n);
            foreach (int batch in new[] { 1, 3, 12, 17, 40 })
            {
                float[] part = x.AsSpan(0, batch * k).ToArray();
                var y = new float[batch * n];
                parallel(part, y);
                KernelPaths.AssertBitIdentical(together.AsSpan(0, batch * n), y, $"ForwardParallel, batch {batch}");
                for (int row = 0; row < batch; row += 5)
                {
                    KernelPaths.AssertBitIdentical(together.AsSpan(row * n, n), Forward(forward, x.AsSpan(row * k, k).ToArray(), k, n), $"row {row} alone");
                }
            }

            var output = new float[40 * n];
            forward(x, output);
            Assert.Equal(0, AllocationMeter.OnThisThread(() => forward(x, output)));
        }
    }

    private static float[] Run(string model, string format, byte[] file)
    {
        float[] x = PyTorchParityTests.ReadFloats(Path.Combine(Directory, $"{model}.inputs.bin"));
        bool int8 = format == "int8";
        return model switch
        {
            "seq_mlp" => Forward(int8 ? Int8SeqMlp.Load(file).Forward : BFloat16SeqMlp.Load(file).Forward, x, 20, 5),
            "seq_bn" => Forward(int8 ? Int8SeqBn.Load(file).Forward : BFloat16SeqBn.Load(file).Forward, x, 17, 3),
            "named" => Forward(int8 ? Int8Named.Load(file).Forward : BFloat16Named.Load(file).Forward, x, 12, 4),
            "wide_odd" => Forward(int8 ? Int8WideOdd.Load(file).Forward : BFloat16WideOdd.Load(file).Forward, x, 97, 1),
            "seq_smooth" => Forward(int8 ? Int8SeqSmooth.Load(file).Forward : BFloat16SeqSmooth.Load(file).Forward, x, 19, 6),
            _ => throw new ArgumentOutOfRangeException(nameof(model)),
        };
    }

    private static float[] Forward(ForwardFn forward, float[] inputs, int inputSize, int outputSize)
    {
        var outputs = new float[inputs.Length / inputSize * outputSize];
        forward(inputs, outputs);
        return outputs;
    }

    /// <summary>Dense layers with random weights, as a float32 safetensors file with nn.Sequential names (ReLU between, Softmax last).</summary>
    private static byte[] RandomFile(params object[] sizesAndRandom)
    {
        int[] sizes = sizesAndRandom.Take(sizesAndRandom.Length - 1).Cast<int>().ToArray();
        var random = (Random)sizesAndRandom[^1];
        var layers = new System.Collections.Generic.List<RefLayer>();
        for (int i = 0; i + 1 < sizes.Length; i++)
        {
            layers.Add(RefLayer.Dense(sizes[i], sizes[i + 1]));
            layers.Add(RefLayer.Act(i + 2 < sizes.Length ? "ReLU" : "Softmax"));
        }

        return RandomWeights.File(layers, RandomWeights.For(layers, random));
    }

    private delegate ReadOnlySpan<byte> EmbeddedBytes();

    /// <summary>The decoded length of the base64 the generator embedded in <typeparamref name="TNetwork"/>.</summary>
    private static int EmbeddedLength<TNetwork>()
    {
        MethodInfo getter = typeof(TNetwork).GetProperty("EmbeddedWeights", BindingFlags.NonPublic | BindingFlags.Static)!.GetMethod!;
        ReadOnlySpan<byte> base64 = getter.CreateDelegate<EmbeddedBytes>()();
        return StaticNet.Weights.EmbeddedWeights.Decode(base64).Length;
    }
}
