using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace StaticNet.Bench;

/// <summary>
/// What one core can do at best: FP32 FMA throughput and the L2 and L3 read bandwidths. The networks' and the
/// kernels' numbers are read against these.
/// </summary>
[MemoryDiagnoser]
public unsafe class PeakBenchmarks : IDisposable
{
    /// <summary>Loop iterations per call; in <see cref="FmaPeak"/> each is 24 independent 16-lane FMAs.</summary>
    public const int FmaIterations = 100_000;

    /// <summary>FLOPs per call of <see cref="FmaPeak"/>: iterations × 24 chains × 16 lanes × 2.</summary>
    public const double FmaFlops = FmaIterations * 24.0 * 16 * 2;

    /// <summary>FLOPs per call of <see cref="FmaPeak256"/>: iterations × 12 chains × 8 lanes × 2.</summary>
    public const double Fma256Flops = FmaIterations * 12.0 * 8 * 2;

    /// <summary>Bytes read per call of <see cref="L2Read"/>: more than L1D (48 KB), half of L2 (1 MB).</summary>
    public const int L2Bytes = 512 * 1024;

    /// <summary>
    /// Bytes read per call of <see cref="L3Read"/>: 8 MB, the size of the wide network's weights, 8 times one
    /// core's L2, so that every call streams from L3 (or from memory, where L3 is shared with other machines).
    /// </summary>
    public const int L3Bytes = 8 * 1024 * 1024;

    private float* _buffer;
    private float* _large;

    [GlobalSetup]
    public void Setup()
    {
        _buffer = (float*)NativeMemory.AlignedAlloc(L2Bytes, 64);
        new Span<float>(_buffer, L2Bytes / sizeof(float)).Fill(1f);
        _large = (float*)NativeMemory.AlignedAlloc(L3Bytes, 64);
        new Span<float>(_large, L3Bytes / sizeof(float)).Fill(1f);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        NativeMemory.AlignedFree(_buffer);
        _buffer = null;
        NativeMemory.AlignedFree(_large);
        _large = null;
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// 24 independent FMA chains: far more than FMA latency × pipes (4 × 2 on Zen 5), so the only limit is
    /// the number of FMA pipes. The multiplier and addend keep every value near 1 (no overflow, no subnormals).
    /// </summary>
    [Benchmark]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float FmaPeak()
    {
        Vector512<float> m = Vector512.Create(0.999999f);
        Vector512<float> c = Vector512.Create(1e-6f);
        Vector512<float> a0 = Vector512<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        Vector512<float> a8 = a0, a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
        Vector512<float> a16 = a0, a17 = a0, a18 = a0, a19 = a0, a20 = a0, a21 = a0, a22 = a0, a23 = a0;
        for (int i = 0; i < FmaIterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c);
            a1 = Vector512.FusedMultiplyAdd(a1, m, c);
            a2 = Vector512.FusedMultiplyAdd(a2, m, c);
            a3 = Vector512.FusedMultiplyAdd(a3, m, c);
            a4 = Vector512.FusedMultiplyAdd(a4, m, c);
            a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c);
            a7 = Vector512.FusedMultiplyAdd(a7, m, c);
            a8 = Vector512.FusedMultiplyAdd(a8, m, c);
            a9 = Vector512.FusedMultiplyAdd(a9, m, c);
            a10 = Vector512.FusedMultiplyAdd(a10, m, c);
            a11 = Vector512.FusedMultiplyAdd(a11, m, c);
            a12 = Vector512.FusedMultiplyAdd(a12, m, c);
            a13 = Vector512.FusedMultiplyAdd(a13, m, c);
            a14 = Vector512.FusedMultiplyAdd(a14, m, c);
            a15 = Vector512.FusedMultiplyAdd(a15, m, c);
            a16 = Vector512.FusedMultiplyAdd(a16, m, c);
            a17 = Vector512.FusedMultiplyAdd(a17, m, c);
            a18 = Vector512.FusedMultiplyAdd(a18, m, c);
            a19 = Vector512.FusedMultiplyAdd(a19, m, c);
            a20 = Vector512.FusedMultiplyAdd(a20, m, c);
            a21 = Vector512.FusedMultiplyAdd(a21, m, c);
            a22 = Vector512.FusedMultiplyAdd(a22, m, c);
            a23 = Vector512.FusedMultiplyAdd(a23, m, c);
        }

        Vector512<float> sum = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11))
            + ((a12 + a13) + (a14 + a15)) + ((a16 + a17) + (a18 + a19)) + ((a20 + a21) + (a22 + a23));
        return Vector512.Sum(sum);
    }

    /// <summary>
    /// The AVX2 peak, for the AVX2 path (<c>DOTNET_EnableAVX512=0</c>): 12 independent ymm chains, within the
    /// 16 registers AVX2 has and still more than FMA latency × pipes.
    /// </summary>
    [Benchmark]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float FmaPeak256()
    {
        Vector256<float> m = Vector256.Create(0.999999f);
        Vector256<float> c = Vector256.Create(1e-6f);
        Vector256<float> a0 = Vector256<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        Vector256<float> a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < FmaIterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, c);
            a1 = Vector256.FusedMultiplyAdd(a1, m, c);
            a2 = Vector256.FusedMultiplyAdd(a2, m, c);
            a3 = Vector256.FusedMultiplyAdd(a3, m, c);
            a4 = Vector256.FusedMultiplyAdd(a4, m, c);
            a5 = Vector256.FusedMultiplyAdd(a5, m, c);
            a6 = Vector256.FusedMultiplyAdd(a6, m, c);
            a7 = Vector256.FusedMultiplyAdd(a7, m, c);
            a8 = Vector256.FusedMultiplyAdd(a8, m, c);
            a9 = Vector256.FusedMultiplyAdd(a9, m, c);
            a10 = Vector256.FusedMultiplyAdd(a10, m, c);
            a11 = Vector256.FusedMultiplyAdd(a11, m, c);
        }

        return Vector256.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11)));
    }

    /// <summary>
    /// Reads a 512 KB buffer (resident in L2 after the first call) with 8 independent add chains, in zmm
    /// loads where 512-bit vectors are accelerated and ymm loads otherwise (the AVX2 path's own limit).
    /// </summary>
    [Benchmark]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float L2Read() => Vector512.IsHardwareAccelerated ? Read512(_buffer, L2Bytes) : Read256(_buffer, L2Bytes);

    /// <summary>
    /// The L3 read bandwidth of one core, the same loop over <see cref="L3Bytes"/>: what limits a network whose
    /// weights do not fit in L2 at batch 1, where every weight is read once per sample.
    /// </summary>
    [Benchmark]
    public float L3Read() => Vector512.IsHardwareAccelerated ? Read512(_large, L3Bytes) : Read256(_large, L3Bytes);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Read512(float* buffer, int bytes)
    {
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        for (float* p = buffer, end = buffer + (bytes / sizeof(float)); p < end; p += 8 * 16)
        {
            s0 += Vector512.LoadAligned(p);
            s1 += Vector512.LoadAligned(p + 16);
            s2 += Vector512.LoadAligned(p + 32);
            s3 += Vector512.LoadAligned(p + 48);
            s4 += Vector512.LoadAligned(p + 64);
            s5 += Vector512.LoadAligned(p + 80);
            s6 += Vector512.LoadAligned(p + 96);
            s7 += Vector512.LoadAligned(p + 112);
        }

        return Vector512.Sum(((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Read256(float* buffer, int bytes)
    {
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        for (float* p = buffer, end = buffer + (bytes / sizeof(float)); p < end; p += 8 * 8)
        {
            s0 += Vector256.LoadAligned(p);
            s1 += Vector256.LoadAligned(p + 8);
            s2 += Vector256.LoadAligned(p + 16);
            s3 += Vector256.LoadAligned(p + 24);
            s4 += Vector256.LoadAligned(p + 32);
            s5 += Vector256.LoadAligned(p + 40);
            s6 += Vector256.LoadAligned(p + 48);
            s7 += Vector256.LoadAligned(p + 56);
        }

        return Vector256.Sum(((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)));
    }
}
