using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.Intrinsics;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using StaticNet.Generator.Tests.Support;

namespace StaticNet.Generator.Tests.Networks;

/// <summary>
/// Every instruction-set path gives the same bits for whole networks. The kernels pick AVX-512, AVX2, 128-bit vectors
/// or plain .NET when the JIT compiles them, so the only way to run a network on another path is another process: this
/// test runs this assembly's <c>--isa-probe</c> entry point with .NET's switches (DOTNET_EnableAVX512=0,
/// DOTNET_EnableAVX2=0, DOTNET_PreferredVectorBitWidth=128, DOTNET_EnableHWIntrinsic=0) and compares its output with
/// the same probe run here. CI runs the same probe on ARM64 under emulation and compares it with x64's
/// (<c>.ci/run</c>).
/// </summary>
/// <remarks>
/// DOTNET_PreferredVectorBitWidth=128 turns off 256- and 512-bit vectors but leaves FMA on, which is the 128-bit path;
/// DOTNET_EnableAVX2=0 turns FMA off with AVX2, and without FMA in hardware the kernels take the scalar path.
/// </remarks>
public sealed class IsaPathTests
{
    public static TheoryData<string, string, KernelPath> Paths => new()
    {
        { "DOTNET_EnableAVX512", "0", KernelPath.Vector256 },
        { "DOTNET_EnableAVX2", "0", KernelPath.Scalar },
        { "DOTNET_PreferredVectorBitWidth", "128", KernelPath.Vector128 },
        { "DOTNET_EnableHWIntrinsic", "0", KernelPath.Scalar },
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task A_forced_path_gives_the_same_bits_as_this_process(string switchName, string value, KernelPath expectedPath)
    {
        if (expectedPath != KernelPath.Scalar && !Vector256.IsHardwareAccelerated)
        {
            // A processor without AVX2 (ARM64 included) cannot be switched to the x64 vector paths; there the switches
            // do nothing and the scalar path is the one to compare.
            expectedPath = KernelInfo.Path == KernelPath.Vector128 && switchName != "DOTNET_EnableHWIntrinsic" ? KernelPath.Vector128 : KernelPath.Scalar;
        }

        string here = Probe();
        string assembly = typeof(IsaPathTests).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", ["exec", assembly, "--isa-probe"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment[switchName] = value;
        using Process child = Process.Start(start)!;
        Task<string> output = child.StandardOutput.ReadToEndAsync();
        Task<string> error = child.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await child.WaitForExitAsync(timeout.Token);
        Assert.True(child.ExitCode == 0, $"the probe failed: {await error}");
        string there = await output;

        Assert.StartsWith($"path: {expectedPath}\n", there);
        Assert.Equal(Body(here), Body(there));
    }

    /// <summary>
    /// Runs every test network on fixed weights and inputs (NaN and ±∞ included) and prints the bits; with
    /// <paramref name="portableNaN"/>, every NaN as <c>nan</c>: a NaN made by an invalid operation (∞ − ∞) is
    /// 0xFFC00000 on x64 and 0x7FC00000 on ARM64, so only whether an output is NaN can be compared across architectures.
    /// </summary>
    internal static string Probe(bool portableNaN = false)
    {
        var text = new StringBuilder();
        text.Append("path: ").Append(KernelInfo.Path).Append('\n');
        foreach (NetworkTests.Case c in NetworkTests.Cases.Values.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            var random = new Random(c.Name.Length);
            var forward = c.Load(RandomWeights.File(c.Layers, RandomWeights.For(c.Layers, random)));
            int inputSize = new ReferenceNetwork(c.Layers, new Dictionary<string, float[]>()).InputSize;
            foreach (int batch in new[] { 1, 3, 40 })
            {
                float[] inputs = RandomWeights.Inputs(batch * inputSize, random, scale: 4);
                inputs[0] = float.NaN;
                inputs[^1] = batch == 3 ? float.NegativeInfinity : 1e30f;
                text.Append(c.Name).Append(' ').Append(batch).Append(": ");
                foreach (float y in forward(inputs))
                {
                    text.Append(Hex(y)).Append(' ');
                }

                text.Append('\n');
            }
        }

        // Kernels on their own, through the dispatcher, at shapes and activations the networks above do not use.
        foreach ((int inputs, int outputs, string activation, int rows) in new[] { (784, 128, "ReLU", 9), (128, 64, "Sigmoid", 17), (64, 10, "Tanh", 33), (97, 257, "LeakyReLU", 7), (33, 17, "Identity", 5) })
        {
            var random = new Random(inputs + outputs + rows);
            var (weight, bias) = Kernels.KernelPaths.RandomLayer(random, inputs, outputs);
            float[] x = Kernels.KernelPaths.RandomValues(random, rows * inputs, 3f);
            x[0] = float.NaN;
            x[^1] = float.PositiveInfinity;
            var y = new float[rows * outputs];
            Kernels.KernelPaths.Dense(inputs, outputs, activation)(Kernels.KernelPath.Dispatch, x, y, rows, StaticNet.Kernels.DenseWeights.Pack(weight, bias, inputs, outputs));
            Append($"dense {inputs}x{outputs} {activation} {rows}", y);
        }

        // ForwardParallel on every path: with AVX-512 a large layer's outputs are shared out below 16 rows; elsewhere
        // rows are (or, below 8, nothing is). Same bits either way.
        var large = LargeLayer.Load(RandomWeights.File(Layers.LargeLayer, RandomWeights.For(Layers.LargeLayer, new Random(41))));
        foreach (int batch in new[] { 3, 12, 17 })
        {
            float[] x = RandomWeights.Inputs(batch * LargeLayer.InputSize, new Random(batch), scale: 4);
            var y = new float[batch * LargeLayer.OutputSize];
            large.ForwardParallel(x, y);
            Append($"LargeLayer ForwardParallel {batch}", y);
        }

        // The stored formats (bfloat16, int8 with scales) through whole networks, NaN and ±∞ included, and a large int8
        // layer through ForwardParallel.
        byte[] mnistWeights = RandomWeights.File(Layers.MnistNet, RandomWeights.For(Layers.MnistNet, new Random(43)));
        var int8 = Int8MnistNet.Load(mnistWeights);
        var bfloat16 = BFloat16MnistNet.Load(mnistWeights);
        var int8Dynamic = Int8DynamicMnistNet.Load(mnistWeights);
        RefLayer[] largeInt8 = [RefLayer.Dense(1500, 1500), RefLayer.Act("ReLU"), RefLayer.Dense(1500, 3), RefLayer.Act("Softmax")];
        var largeInt8Net = Int8LargeLayer.Load(RandomWeights.File(largeInt8, RandomWeights.For(largeInt8, new Random(44))));
        foreach (int batch in new[] { 1, 3, 12, 40 })
        {
            float[] x = RandomWeights.Inputs(batch * Int8MnistNet.InputSize, new Random(batch + 100), scale: 4);
            x[0] = float.NaN;
            x[^1] = float.PositiveInfinity;
            var y = new float[batch * Int8MnistNet.OutputSize];
            int8.Forward(x, y);
            Append($"Int8MnistNet {batch}", y);
            bfloat16.Forward(x, y);
            Append($"BFloat16MnistNet {batch}", y);
            int8Dynamic.Forward(x, y);
            Append($"Int8DynamicMnistNet {batch}", y);
            float[] xLarge = RandomWeights.Inputs(batch * Int8LargeLayer.InputSize, new Random(batch + 200), scale: 4);
            var yLarge = new float[batch * Int8LargeLayer.OutputSize];
            largeInt8Net.ForwardParallel(xLarge, yLarge);
            Append($"Int8LargeLayer ForwardParallel {batch}", yLarge);
        }

        // ForwardParallel of MNIST in every format at batch sizes too small to split by rows: with AVX-512 its
        // 784→128 layer's panels are shared between the cores in fixed shares; elsewhere nothing is. Same bits either way.
        var mnistParallel = MnistNet.Load(mnistWeights);
        foreach (int batch in new[] { 1, 2, 9 })
        {
            float[] x = RandomWeights.Inputs(batch * MnistNet.InputSize, new Random(batch + 300), scale: 4);
            var y = new float[batch * MnistNet.OutputSize];
            mnistParallel.ForwardParallel(x, y);
            Append($"MnistNet ForwardParallel {batch}", y);
            int8.ForwardParallel(x, y);
            Append($"Int8MnistNet ForwardParallel {batch}", y);
            bfloat16.ForwardParallel(x, y);
            Append($"BFloat16MnistNet ForwardParallel {batch}", y);
        }

        foreach (int features in new[] { 10, 1000 })
        {
            float[] logits = Kernels.KernelPaths.RandomValues(new Random(features), 7 * features, 50f);
            StaticNet.Kernels.SoftmaxKernel.Apply(logits, features);
            Append($"softmax {features}", logits);
        }

        return text.ToString();

        string Hex(float value) => portableNaN && float.IsNaN(value) ? "nan" : BitConverter.SingleToInt32Bits(value).ToString("x8");

        void Append(string label, float[] values)
        {
            text.Append(label).Append(": ");
            foreach (float v in values)
            {
                text.Append(Hex(v)).Append(' ');
            }

            text.Append('\n');
        }
    }

    private static string Body(string probe) => probe[(probe.IndexOf('\n') + 1)..];
}
