using System;
using BenchmarkDotNet.Attributes;
using StaticNet.Kernels;

namespace StaticNet.Bench;

/// <summary>
/// The 128-bit path (ARM64's, run here on x64 with FMA) against the AVX2 path, same layer and rows, in one process:
/// both are compiled by the same JIT for this processor, so the difference is the width and the register blocks.
/// ARM64 itself is not measured here. Run with <c>--quick --filter '*KernelPathBenchmarks*'</c>.
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
