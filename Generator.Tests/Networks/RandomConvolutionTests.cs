using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using StaticNet.Generator.Tests.Kernels;
using StaticNet.Generator.Tests.Support;
using StaticNet.Kernels;
using Xunit.Abstractions;

namespace StaticNet.Generator.Tests.Networks;

/// <summary>
/// Property tests over random convolutional architectures (1-D and 2-D, stride, padding, dilation, groups, pooling,
/// BatchNorm folded or in place, odd and non-square inputs), generated and compiled in memory as a user's build would:
/// every network against the double-precision reference at random batch sizes, and every convolution layer's kernel
/// on every instruction-set path this processor has (scalar, 128-bit, AVX2, AVX-512), called directly, bit for bit.
/// Set STATICNET_STRESS=1 for many more seeds.
/// </summary>
public sealed class RandomConvolutionTests(ITestOutputHelper output)
{
    private static readonly string[] Activations = ["ReLU", "Tanh", "Sigmoid", "LeakyReLU", "GELU", "SiLU"];

    public static TheoryData<int> Seeds
    {
        get
        {
            int count = Environment.GetEnvironmentVariable("STATICNET_STRESS") == "1" ? 30 : 3;
            var data = new TheoryData<int>();
            for (int seed = 1; seed <= count; seed++)
            {
                data.Add(seed);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_convolutional_networks_match_the_reference_and_every_path_gives_the_same_bits(int seed)
    {
        var random = new Random(7000 + seed);
        var networks = Enumerable.Range(0, 10).Select(_ => RandomLayers(random)).ToList();
        Assembly assembly = RandomArchitectureTests.Compile(networks, 7000 + seed);
        int layersCompared = 0;
        for (int i = 0; i < networks.Count; i++)
        {
            RefLayer[] layers = networks[i];
            string description = $"seed {seed}, Net{i} [{string.Join(", ", layers.Select(l => l.Attribute))}]";
            string dtype = new[] { "F32", "F16", "BF16" }[random.Next(3)];
            var tensors = RandomWeights.For(layers, random, dtype);
            var reference = new ReferenceNetwork(layers, tensors);
            byte[] file = RandomWeights.File(layers, tensors, dtype);
            Type type = assembly.GetType($"Random.Net{i}")!;
            int batch = random.Next(1, 70);
            float[] inputs = RandomWeights.Inputs(batch * reference.InputSize, random);
            float[] actual = (float[])type.GetMethod("Run")!.Invoke(null, [file, inputs])!;
            ReferenceNetwork.AssertClose(reference.Forward(inputs), actual, $"{description} ({dtype}), batch {batch}");

            object network = InvokeLoad(type, file);
            layersCompared += ComparePaths(type, network, layers, random, description);
        }

        output.WriteLine($"seed {seed}: {networks.Count} networks, {layersCompared} convolution layers compared on {string.Join(", ", Paths())}");
    }

    /// <summary>Each convolution layer's kernel on every available path, on the same inputs (NaN, ±∞ and −0 among them).</summary>
    private static int ComparePaths(Type type, object network, RefLayer[] layers, Random random, string description)
    {
        int compared = 0;
        for (int i = 0; i < layers.Length; i++)
        {
            if (layers[i].Kind is not ("Conv1d" or "Conv2d"))
            {
                continue;
            }

            int position = RefLayer.PositionOf(layers, i);
            Type shape = type.GetNestedType($"Layer{position}Shape", BindingFlags.NonPublic)!;
            var weights = (ConvolutionWeights)type.GetField($"_layer{position}", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(network)!;
            int inputSize = Size(shape, "InChannels", "InHeight", "InWidth"), outputSize = Size(shape, "OutChannels", "OutHeight", "OutWidth");
            int rows = random.Next(1, 4);
            float[] x = RandomWeights.Inputs(rows * inputSize, random, scale: 3);
            x[random.Next(x.Length)] = float.NaN;
            x[random.Next(x.Length)] = float.PositiveInfinity;
            x[random.Next(x.Length)] = -0f;
            Type activation = random.Next(2) == 0 ? typeof(IdentityActivation) : typeof(TanhActivation);
            float[]? expected = null;
            foreach (string path in Paths())
            {
                float[] y = new float[rows * outputSize];
                var kernel = typeof(ConvolutionKernel).GetMethod(path, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(shape, activation);
                kernel.CreateDelegate<ConvForward>()(x, y, rows, weights);
                if (expected is null)
                {
                    expected = y;
                    continue;
                }

                int differs = KernelPaths.FirstBitDifference(expected, y);
                Assert.True(differs < 0, $"{description}: layer {position} on {path} differs from the scalar path at output {differs}: {(differs < 0 ? 0 : y[differs]):R} vs {(differs < 0 ? 0 : expected[differs]):R}");
            }

            compared++;
        }

        return compared;
    }

    private delegate void ConvForward(ReadOnlySpan<float> input, Span<float> output, int rows, ConvolutionWeights weights);

    private static object InvokeLoad(Type type, byte[] file)
    {
        // Load(ReadOnlySpan<byte>) cannot be invoked by reflection with a span; Load(Stream) reads the same bytes.
        using var stream = new System.IO.MemoryStream(file);
        return type.GetMethod("Load", [typeof(System.IO.Stream)])!.Invoke(null, [stream])!;
    }

    private static int Size(Type shape, params string[] members)
        => members.Aggregate(1, (product, member) => product * (int)shape.GetProperty(member, BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!);

    /// <summary>The kernel paths this processor can run, scalar first.</summary>
    private static IEnumerable<string> Paths()
    {
        yield return nameof(ConvolutionKernel.ForwardScalar);
        if (Vector128.IsHardwareAccelerated)
        {
            yield return nameof(ConvolutionKernel.ForwardVector128);
        }

        if (Avx2.IsSupported && Fma.IsSupported)
        {
            yield return nameof(ConvolutionKernel.ForwardVector256);
        }

        if (Avx512F.IsSupported)
        {
            yield return nameof(ConvolutionKernel.ForwardVector512);
        }
    }

    /// <summary>
    /// A random valid CNN: an input of 1–3 spatial sizes between 1 and 23, one to three convolutions with random
    /// options (kept valid by construction), maybe a BatchNorm (folded) and an activation, an unfused activation or
    /// BatchNorm in place, a pool where it fits; then Flatten and a Dense head, sometimes with a softmax.
    /// </summary>
    private static RefLayer[] RandomLayers(Random random)
    {
        int rank = random.Next(2) + 1;
        int channels = random.Next(1, 6);
        int[] spatial = Enumerable.Range(0, rank).Select(_ => random.Next(1, 24)).ToArray();
        var layers = new List<RefLayer> { RefLayer.Shape([channels, .. spatial]) };
        int convolutions = random.Next(1, 4);
        for (int c = 0; c < convolutions; c++)
        {
            int groups = new[] { 1, 1, 1, 2, 3, channels }[random.Next(6)];
            if (channels % groups != 0)
            {
                groups = 1;
            }

            int outChannels = groups * new[] { 1, 2, 3, 5, 8, 16, 17, 33 }[random.Next(8)];
            int kernel = random.Next(1, 6), dilation = random.Next(4) == 0 ? random.Next(2, 4) : 1;
            int window = (dilation * (kernel - 1)) + 1;
            int padding = random.Next(3) == 0 ? random.Next(0, kernel + 1) : 0;
            if (spatial.Any(s => s + (2 * padding) < window))
            {
                // Shrink the kernel until it fits the padded input.
                kernel = 1;
                dilation = 1;
                window = 1;
            }

            int stride = random.Next(3) == 0 ? random.Next(2, 4) : 1;
            layers.Add(RefLayer.Conv(rank, channels, outChannels, kernel, stride, padding, dilation, groups, bias: random.Next(4) != 0, name: random.Next(4) == 0 ? $"conv{c}" : null));
            spatial = spatial.Select(s => ((s + (2 * padding) - window) / stride) + 1).ToArray();
            channels = outChannels;
            if (random.Next(3) == 0)
            {
                layers.Add(RefLayer.BatchNorm(channels, name: random.Next(2) == 0 ? $"bn{c}" : null));
            }

            if (random.Next(4) != 0)
            {
                string activation = Activations[random.Next(Activations.Length)];
                layers.Add(activation == "LeakyReLU" ? RefLayer.Act(activation, slope: 0.1f) : RefLayer.Act(activation));
            }

            if (random.Next(6) == 0)
            {
                layers.Add(RefLayer.BatchNorm(channels, epsilon: 1e-3f));
            }

            int poolKernel = random.Next(1, 4);
            if (random.Next(2) == 0 && spatial.All(s => s >= poolKernel))
            {
                int poolStride = random.Next(3) == 0 ? random.Next(1, 3) : 0;
                int poolPadding = random.Next(3) == 0 ? poolKernel / 2 : 0;
                string kind = (random.Next(2) == 0 ? "MaxPool" : "AvgPool") + (rank == 1 ? "1d" : "2d");
                layers.Add(RefLayer.Pool(kind, poolKernel, poolStride, poolPadding));
                int step = poolStride == 0 ? poolKernel : poolStride;
                spatial = spatial.Select(s => ((s + (2 * poolPadding) - poolKernel) / step) + 1).ToArray();
            }
        }

        layers.Add(new RefLayer("Flatten"));
        int features = channels * spatial.Aggregate(1, (a, b) => a * b);
        layers.Add(RefLayer.Dense(features, random.Next(1, 12), bias: random.Next(5) != 0));
        if (random.Next(3) == 0)
        {
            layers.Add(RefLayer.Act("Softmax"));
        }

        return layers.ToArray();
    }
}
