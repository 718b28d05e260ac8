using System;
using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using StaticNet.Kernels;

namespace StaticNet.Bench;

/// <summary>
/// The 128-bit path (ARM64's, run here on x64 with FMA) against the AVX2 path, same layer and rows, in one process:
/// both are compiled by the same JIT for this processor, so the difference is the width and the register blocks.
/// ARM64 itself is not measured here. Run with <c>--quick --filter '*KernelPathBenchmarks*'</c>, or on a shared machine
/// with <c>--path-ab</c> (<see cref="PathComparison"/>).
/// </summary>
public class KernelPathBenchmarks
{
    private readonly KernelBenchmarks _data = new();

    /// <summary>K × N.</summary>
    [Params("784x128", "1024x1024")]
    public string Shape { get; set; } = "784x128";

    /// <summary>Rows per call.</summary>
    [Params(1, 8, 64, 256)]
    public int Rows { get; set; }

    /// <summary>The kernel path.</summary>
    [Params(KernelPath.Vector128, KernelPath.Vector256)]
    public KernelPath Path { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data.Shape = Shape;
        _data.Rows = Rows;
        _data.Setup();
    }

    [Benchmark]
    public void DensePath()
    {
        if (Shape == "784x128")
        {
            Run<Mnist784x128>();
        }
        else
        {
            Run<Square1024>();
        }
    }

    private void Run<TShape>()
        where TShape : struct, IDenseShape
    {
        if (Path == KernelPath.Vector128)
        {
            DenseKernel.ForwardVector128<Float32Weights, TShape, ReLUActivation>(_data.Input, _data.Output, Rows, _data.Weights);
        }
        else
        {
            DenseKernel.ForwardVector256<Float32Weights, TShape, ReLUActivation>(_data.Input, _data.Output, Rows, _data.Weights);
        }
    }
}

/// <summary>
/// <c>--path-ab [rounds]</c>: the 128-bit against the AVX2 kernel, alternating short bursts of each in one process and
/// keeping each one's fastest burst, so that load from other processes on a shared machine (which only ever slows a
/// burst down) affects both alike. Prints GFLOP/s per path and the 128-bit path's share of the AVX2 throughput.
/// </summary>
internal static class PathComparison
{
    public static void Run(int rounds)
    {
        Console.WriteLine($"128-bit vs AVX2 dense kernel (ReLU), best of {rounds} alternating bursts of ~2 ms each, one thread");
        Console.WriteLine("shape      rows  128-bit GFLOP/s  AVX2 GFLOP/s  128-bit / AVX2");
        foreach (string shape in new[] { "784x128", "1024x1024" })
        {
            foreach (int rows in new[] { 1, 8, 64, 256 })
            {
                var vector128 = new KernelPathBenchmarks { Shape = shape, Rows = rows, Path = KernelPath.Vector128 };
                var vector256 = new KernelPathBenchmarks { Shape = shape, Rows = rows, Path = KernelPath.Vector256 };
                vector128.Setup();
                vector256.Setup();
                (int k, int n) = KernelBenchmarks.Size(shape);
                double flop = 2.0 * k * n * rows;

                double[] best = AlternatingBursts.Best(rounds, [vector128.DensePath, vector256.DensePath]);
                double best128 = best[0], best256 = best[1];
                double rate128 = flop / best128 / 1e9, rate256 = flop / best256 / 1e9;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{shape,-10} {rows,4}  {rate128,15:F1}  {rate256,12:F1}  {rate128 / rate256,14:P0}"));
            }
        }
    }
}
