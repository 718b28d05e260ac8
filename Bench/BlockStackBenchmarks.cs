using System;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;

namespace StaticNet.Bench;

/// <summary>
/// What a generated network's block method pays for its stack activations: MNIST's two hidden outputs (128 + 64 floats
/// a row) as <c>stackalloc</c>, zeroed (C#'s default) and not (<c>[SkipLocalsInit]</c>, which the generator adds where
/// the project allows unsafe code). Each method hands both spans to a call that writes one value, as a layer would
/// write them all, so that neither allocation can be removed.
/// </summary>
[MemoryDiagnoser]
public class BlockStackBenchmarks
{
    /// <summary>Rows in the block: one sample, a small batch, the generator's largest block.</summary>
    [Params(1, 8, 32)]
    public int Rows { get; set; }

    [Benchmark(Baseline = true)]
    public void Zeroed() => ZeroedBlock(Rows);

    [Benchmark]
    public void NotZeroed() => UnzeroedBlock(Rows);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ZeroedBlock(int rows)
    {
        Span<float> layer0Output = stackalloc float[rows * 128];
        Span<float> layer2Output = stackalloc float[rows * 64];
        Touch(layer0Output, layer2Output);
    }

    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void UnzeroedBlock(int rows)
    {
        Span<float> layer0Output = stackalloc float[rows * 128];
        Span<float> layer2Output = stackalloc float[rows * 64];
        Touch(layer0Output, layer2Output);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Touch(Span<float> first, Span<float> second)
    {
        first[^1] = 1f;
        second[^1] = 2f;
    }
}
