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

    /// <summary>The path the entry points take.</summary>
    public static KernelPath Current
        => Vector512 ? KernelPath.Vector512
            : Vector256 ? KernelPath.Vector256
            : Vector128 ? KernelPath.Vector128
            : KernelPath.Scalar;
}
