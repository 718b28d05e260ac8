using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

/// <summary>
/// Which instruction-set path every kernel's entry point takes, in one place. Each property is a constant when the
/// JIT (or Native AOT's compiler) compiles a kernel, so the untaken paths are not compiled at all.
/// </summary>
/// <remarks>
/// The 128-bit path needs fused multiply-add in hardware: ARM64 always has it (AdvSimd); on x64 it is the FMA
/// extension. Without it <c>Vector128.FusedMultiplyAdd</c> still gives the right bits, but through a software
/// fallback far slower than the scalar loop, so an x64 processor without FMA (or .NET told not to use AVX2, which
/// turns FMA off with it) takes the scalar path. On x64 with FMA, <c>DOTNET_PreferredVectorBitWidth=128</c> turns off
/// the 256- and 512-bit vectors but not FMA: that is how the tests and the benchmarks force this path there.
/// </remarks>
internal static class VectorPaths
{
    /// <summary>The AVX-512 path runs.</summary>
    public static bool Vector512
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated;
    }

    /// <summary>The AVX2 + FMA path runs.</summary>
    public static bool Vector256
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => !Vector512 && System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated && Fma.IsSupported;
    }

    /// <summary>The 128-bit path runs (ARM64 NEON, or x64 forced to 128-bit vectors).</summary>
    public static bool Vector128
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => !Vector512 && !Vector256 && Vector128WithFma;
    }

    /// <summary>The 128-bit kernels can run here (whichever path the entry points pick): 128-bit vectors and FMA in hardware.</summary>
    public static bool Vector128WithFma
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated && (AdvSimd.IsSupported || Fma.IsSupported);
    }

    /// <summary>
    /// The path of <see cref="WeightFormat.Int8Dynamic"/>'s integer dot products. On x64 with AVX-VNNI, <c>vpdpbusd</c>
    /// on 256-bit vectors, even where AVX-512BW is there too: one instruction for 8 outputs × 4 inputs beats
    /// <c>vpmovsxbw</c> + <c>vpmaddwd</c> + <c>vpaddd</c> for 16 × 2 (measured on a Xeon with both: see the README).
    /// Then AVX-512BW, then 128-bit vectors (ARM64's <c>sdot</c>, or widening multiplies), then scalar. Every one of
    /// them gives the same bits: the sums are integers.
    /// </summary>
    public static Int8DotPath Int8Dynamic
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => AvxVnni.IsSupported && System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? Int8DotPath.AvxVnni
            : Avx512BW.IsSupported && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? Int8DotPath.Avx512BW
            : System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated ? Int8DotPath.Vector128
            : Int8DotPath.Scalar;
    }

    /// <summary>The path the entry points take.</summary>
    public static KernelPath Current
        => Vector512 ? KernelPath.Vector512
            : Vector256 ? KernelPath.Vector256
            : Vector128 ? KernelPath.Vector128
            : KernelPath.Scalar;
}

/// <summary>The ways <see cref="WeightFormat.Int8Dynamic"/>'s integer dot products can run (<see cref="VectorPaths.Int8Dynamic"/>).</summary>
internal enum Int8DotPath
{
    /// <summary>One input and output at a time.</summary>
    Scalar,

    /// <summary>128-bit vectors: ARM64's <c>sdot</c> where it exists, else widening multiplies.</summary>
    Vector128,

    /// <summary>512-bit <c>vpmovsxbw</c> + <c>vpmaddwd</c>.</summary>
    Avx512BW,

    /// <summary>256-bit <c>vpdpbusd</c>.</summary>
    AvxVnni,
}
