using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using StaticNet.Generator.Tests.Support;
using Xunit.Abstractions;

namespace StaticNet.Generator.Tests.Networks;

/// <summary>
/// Property tests: random architectures (sizes 1..300 with primes and powers of two near the edges, depth 1..6,
/// every layer kind), generated and compiled in memory exactly as a user's build would, loaded, and compared
/// with the reference over random batch sizes. One compilation holds every network, so this stays fast.
/// Set STATICNET_STRESS=1 for many more seeds.
/// </summary>
public sealed class RandomArchitectureTests(ITestOutputHelper output)
{
    private static readonly int[] InterestingSizes = [1, 2, 3, 5, 7, 8, 13, 15, 16, 17, 31, 32, 33, 61, 64, 97, 127, 128, 129, 211, 255, 256, 257, 293, 300];
    private static readonly string[] Activations = ["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "GELU tanh", "SiLU", "ELU", "Softplus"];

    public static TheoryData<int> Seeds
    {
        get
        {
            int count = Environment.GetEnvironmentVariable("STATICNET_STRESS") == "1" ? 40 : 3;
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
    public void Random_networks_match_the_reference_at_random_batch_sizes(int seed)
    {
        var random = new Random(seed);
        var networks = Enumerable.Range(0, 12).Select(i => RandomLayers(random)).ToList();
        Assembly assembly = Compile(networks, seed);

        for (int i = 0; i < networks.Count; i++)
        {
            RefLayer[] layers = networks[i];
            string dtype = new[] { "F32", "F16", "BF16" }[random.Next(3)];
            var tensors = RandomWeights.For(layers, random, dtype);
            var reference = new ReferenceNetwork(layers, tensors);
            MethodInfo run = assembly.GetType($"Random.Net{i}")!.GetMethod("Run")!;
            int batch = random.Next(1, 258);
            float[] inputs = RandomWeights.Inputs(batch * reference.InputSize, random);
            float[] actual;
            try
            {
                actual = (float[])run.Invoke(null, [RandomWeights.File(layers, tensors, dtype), inputs])!;
            }
            catch (TargetInvocationException e)
            {
                throw new InvalidOperationException($"Net{i} [{string.Join(", ", layers.Select(l => l.Attribute))}] threw", e.InnerException);
            }

            ReferenceNetwork.AssertClose(reference.Forward(inputs), actual, $"seed {seed}, Net{i} [{string.Join(", ", layers.Select(l => l.Attribute))}] ({dtype}), batch {batch}");
        }

        output.WriteLine($"seed {seed}: {networks.Count} networks, {networks.Sum(n => n.Length)} layers");
    }

    private static RefLayer[] RandomLayers(Random random)
    {
        int Size() => random.Next(3) == 0 ? random.Next(1, 301) : InterestingSizes[random.Next(InterestingSizes.Length)];
        var layers = new List<RefLayer>();
        int width = Size();
        if (random.Next(6) == 0)
        {
            layers.Add(RefLayer.BatchNorm(width, epsilon: 1e-3f));
        }

        int depth = random.Next(1, 7);
        for (int d = 0; d < depth; d++)
        {
            int next = Size();
            layers.Add(RefLayer.Dense(width, next, bias: random.Next(5) != 0, name: random.Next(4) == 0 ? $"fc{d}" : null));
            width = next;
            if (random.Next(3) == 0)
            {
                layers.Add(RefLayer.BatchNorm(width, name: random.Next(2) == 0 ? $"bn{d}" : null));
            }

            if (random.Next(5) == 0)
            {
                layers.Add(RefLayer.LayerNorm(width, epsilon: random.Next(2) == 0 ? 1e-5f : 1e-3f, name: random.Next(2) == 0 ? $"ln{d}" : null));
            }

            if (random.Next(4) != 0)
            {
                layers.Add(RandomActivation(random));
            }

            if (random.Next(5) == 0)
            {
                layers.Add(new RefLayer("Dropout", P: 0.5f));
            }

            if (random.Next(8) == 0)
            {
                layers.Add(RandomActivation(random));
            }
        }

        if (random.Next(2) == 0)
        {
            layers.Add(RefLayer.Act("Softmax"));
        }

        return layers.ToArray();
    }

    /// <summary>Any element-wise activation, with random parameters where it has them.</summary>
    private static RefLayer RandomActivation(Random random)
    {
        float Parameter(double low, double high) => (float)Math.Round(low + (random.NextDouble() * (high - low)), 3);
        return Activations[random.Next(Activations.Length)] switch
        {
            "LeakyReLU" => RefLayer.Act("LeakyReLU", slope: Parameter(0, 0.3)),
            "GELU tanh" => RefLayer.Act("GELU") with { Approximate = "tanh" },
            "ELU" => RefLayer.Act("ELU") with { Alpha = Parameter(0.1, 2) },
            "Softplus" => RefLayer.Act("Softplus") with { Beta = Parameter(0.5, 3), Threshold = Parameter(2, 25) },
            string kind => RefLayer.Act(kind),
        };
    }

    /// <summary>Generates, compiles and loads the networks, each with a <c>Run(byte[] weights, float[] inputs)</c> entry point.</summary>
    internal static Assembly Compile(List<RefLayer[]> networks, int seed)
    {
        var source = new StringBuilder("using StaticNet;\nnamespace Random;\n");
        for (int i = 0; i < networks.Count; i++)
        {
            source.AppendLine($"[{string.Join(", ", networks[i].Select(l => l.Attribute))}]");
            source.AppendLine($$"""
                public partial class Net{{i}}
                {
                    public static float[] Run(byte[] weights, float[] inputs)
                    {
                        var net = Load(weights);
                        var outputs = new float[inputs.Length / InputSize * OutputSize];
                        net.Forward(inputs, outputs);
                        return outputs;
                    }
                }
                """);
        }

        GeneratorRun run = GeneratorHarness.Run(source.ToString());
        run.AssertCompilesCleanly();
        using var stream = new MemoryStream();
        var emit = run.Output.Emit(stream);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
        stream.Position = 0;
        return new AssemblyLoadContext($"random-{seed}", isCollectible: true).LoadFromStream(stream);
    }
}
