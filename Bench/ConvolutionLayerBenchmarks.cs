using System;
using System.Globalization;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using StaticNet.Kernels;

namespace StaticNet.Bench;

/// <summary>
/// Single convolution layers on one thread, the kernel called directly with ReLU in its epilogue: LeNet's two
/// (1→8 and 8→16, 5×5) and two 3×3 padding-1 layers on 32×32 (16→32, 32→32). Run with
/// <c>--filter '*ConvolutionLayerBenchmarks*'</c>. A layer does 2 × C_out × H_out × W_out × (C_in / groups) × kH × kW
/// FLOPs per sample (<see cref="Flops{TShape}"/>); divide by the time for GFLOP/s and compare with
/// <see cref="PeakBenchmarks.FmaPeak"/>. On a machine whose speed changes from process to process, <c>--conv-kernels</c>
/// (<see cref="RunBursts"/>) times the same layers and the FMA peak in one process, in alternating bursts.
/// </summary>
[MemoryDiagnoser]
public class ConvolutionLayerBenchmarks
{
    private readonly Layer _leNet1 = new();
    private readonly Layer _leNet2 = new();
    private readonly Layer _conv16To32 = new();
    private readonly Layer _conv32To32 = new();

    /// <summary>Samples per call.</summary>
    [Params(1, 8, 64)]
    public int Batch { get; set; } = 1;

    [Benchmark]
    public void LeNetConv1() => ConvolutionKernel.Forward<LeNet1Shape, ReLUActivation>(_leNet1.Input, _leNet1.Output, Batch, _leNet1.Weights!);

    [Benchmark]
    public void LeNetConv2() => ConvolutionKernel.Forward<LeNet2Shape, ReLUActivation>(_leNet2.Input, _leNet2.Output, Batch, _leNet2.Weights!);

    [Benchmark]
    public void Conv16To32() => ConvolutionKernel.Forward<Conv16To32Shape, ReLUActivation>(_conv16To32.Input, _conv16To32.Output, Batch, _conv16To32.Weights!);

    [Benchmark]
    public void Conv32To32() => ConvolutionKernel.Forward<Conv32To32Shape, ReLUActivation>(_conv32To32.Input, _conv32To32.Output, Batch, _conv32To32.Weights!);

    [GlobalSetup]
    public void Setup()
    {
        _leNet1.Prepare<LeNet1Shape>(Batch);
        _leNet2.Prepare<LeNet2Shape>(Batch);
        _conv16To32.Prepare<Conv16To32Shape>(Batch);
        _conv32To32.Prepare<Conv32To32Shape>(Batch);
    }

    private static float Sink { get; set; }

    /// <summary>
    /// <c>--conv-kernels [rounds]</c>: each layer's GFLOP/s and share of one core's FP32 peak, the peak loop timed in the
    /// same alternating bursts (<see cref="AlternatingBursts"/>), at batch 1, 8, 64 and 256.
    /// </summary>
    public static void RunBursts(int rounds)
    {
        using var peak = new PeakBenchmarks();
        peak.Setup();
        string peakMethod = ComparisonResults.PeakMethod;
        Action fma = Vector512.IsHardwareAccelerated ? () => Sink += peak.FmaPeak() : () => Sink += peak.FmaPeak256();
        double peakFlop = Program.PeakFlops(peakMethod);
        Console.WriteLine($"Convolution layers, one thread, best of {rounds} alternating bursts of ~2 ms with the FP32 peak loop ({peakMethod}); load average {AlternatingBursts.LoadAverage()}");
        Console.WriteLine("batch  layer                        µs/call   GFLOP/s  % of peak (peak in the same bursts)");
        foreach (int batch in new[] { 1, 8, 64, 256 })
        {
            var layers = new ConvolutionLayerBenchmarks { Batch = batch };
            layers.Setup();
            (string Name, double Flop, Action Run)[] cases =
            [
                ("Conv2d(1, 8, 5, pad 2) 28x28", Flops<LeNet1Shape>() * batch, layers.LeNetConv1),
                ("Conv2d(8, 16, 5) 14x14", Flops<LeNet2Shape>() * batch, layers.LeNetConv2),
                ("Conv2d(16, 32, 3, pad 1) 32x32", Flops<Conv16To32Shape>() * batch, layers.Conv16To32),
                ("Conv2d(32, 32, 3, pad 1) 32x32", Flops<Conv32To32Shape>() * batch, layers.Conv32To32),
            ];
            double[] best = AlternatingBursts.Best(rounds, [.. Array.ConvertAll(cases, c => c.Run), fma]);
            double peakRate = peakFlop / best[^1];
            for (int c = 0; c < cases.Length; c++)
            {
                double rate = cases[c].Flop / best[c];
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{batch,5}  {cases[c].Name,-28} {best[c] * 1e6,9:F1}  {rate / 1e9,8:F1}  {100 * rate / peakRate,6:F1}% of {peakRate / 1e9:F1}"));
            }
        }
    }

    /// <summary>FLOPs of one sample through the layer: a multiply and an add per weight per output position.</summary>
    public static double Flops<TShape>()
        where TShape : struct, IConvolutionShape
        => 2.0 * TShape.OutChannels * TShape.OutHeight * TShape.OutWidth * (TShape.InChannels / TShape.Groups) * TShape.KernelHeight * TShape.KernelWidth;

    private sealed class Layer
    {
        public float[] Input { get; private set; } = [];

        public float[] Output { get; private set; } = [];

        public ConvolutionWeights? Weights { get; private set; }

        public void Prepare<TShape>(int batch)
            where TShape : struct, IConvolutionShape
        {
            var random = new Random(1);
            int weightsPerOutput = TShape.InChannels / TShape.Groups * TShape.KernelHeight * TShape.KernelWidth;
            (float[] weight, float[] bias) = Model.RandomLayer(weightsPerOutput, TShape.OutChannels, random);
            Weights = ConvolutionWeights.Pack(weight, bias, TShape.OutChannels, weightsPerOutput, TShape.Groups);
            Input = Fill(GC.AllocateArray<float>(batch * TShape.InChannels * TShape.InHeight * TShape.InWidth, pinned: true), random);
            Output = GC.AllocateArray<float>(batch * TShape.OutChannels * TShape.OutHeight * TShape.OutWidth, pinned: true);
        }

        private static float[] Fill(float[] values, Random random)
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)(random.NextDouble() - 0.5);
            }

            return values;
        }
    }

    private readonly struct LeNet1Shape : IConvolutionShape
    {
        public static int InChannels => 1;

        public static int OutChannels => 8;

        public static int Groups => 1;

        public static int InHeight => 28;

        public static int InWidth => 28;

        public static int OutHeight => 28;

        public static int OutWidth => 28;

        public static int KernelHeight => 5;

        public static int KernelWidth => 5;

        public static int StrideHeight => 1;

        public static int StrideWidth => 1;

        public static int PaddingHeight => 2;

        public static int PaddingWidth => 2;

        public static int DilationHeight => 1;

        public static int DilationWidth => 1;
    }

    private readonly struct LeNet2Shape : IConvolutionShape
    {
        public static int InChannels => 8;

        public static int OutChannels => 16;

        public static int Groups => 1;

        public static int InHeight => 14;

        public static int InWidth => 14;

        public static int OutHeight => 10;

        public static int OutWidth => 10;

        public static int KernelHeight => 5;

        public static int KernelWidth => 5;

        public static int StrideHeight => 1;

        public static int StrideWidth => 1;

        public static int PaddingHeight => 0;

        public static int PaddingWidth => 0;

        public static int DilationHeight => 1;

        public static int DilationWidth => 1;
    }

    private readonly struct Conv16To32Shape : IConvolutionShape
    {
        public static int InChannels => 16;

        public static int OutChannels => 32;

        public static int Groups => 1;

        public static int InHeight => 32;

        public static int InWidth => 32;

        public static int OutHeight => 32;

        public static int OutWidth => 32;

        public static int KernelHeight => 3;

        public static int KernelWidth => 3;

        public static int StrideHeight => 1;

        public static int StrideWidth => 1;

        public static int PaddingHeight => 1;

        public static int PaddingWidth => 1;

        public static int DilationHeight => 1;

        public static int DilationWidth => 1;
    }

    private readonly struct Conv32To32Shape : IConvolutionShape
    {
        public static int InChannels => 32;

        public static int OutChannels => 32;

        public static int Groups => 1;

        public static int InHeight => 32;

        public static int InWidth => 32;

        public static int OutHeight => 32;

        public static int OutWidth => 32;

        public static int KernelHeight => 3;

        public static int KernelWidth => 3;

        public static int StrideHeight => 1;

        public static int StrideWidth => 1;

        public static int PaddingHeight => 1;

        public static int PaddingWidth => 1;

        public static int DilationHeight => 1;

        public static int DilationWidth => 1;
    }
}
