using System.Runtime.Intrinsics.Arm;
using StaticNet.Kernels;

namespace StaticNet;

/// <summary>
/// An instruction-set path of StaticNet's kernels. Every path computes each output in the same canonical order
/// (one fused multiply-add per input, in input order; fixed reduction trees; one algorithm per transcendental), so
/// they all give the same bits; they differ only in speed.
/// </summary>
public enum KernelPath
{
    /// <summary>Plain .NET, one value at a time: processors without 128-bit vectors and fused multiply-add.</summary>
    Scalar,

    /// <summary>
    /// 128-bit vectors with fused multiply-add: ARM64 NEON (AdvSimd), or an x64 processor with FMA when .NET is told to
    /// prefer 128-bit vectors (<c>DOTNET_PreferredVectorBitWidth=128</c>).
    /// </summary>
    Vector128,

    /// <summary>256-bit vectors: x64 AVX2 with FMA.</summary>
    Vector256,

    /// <summary>512-bit vectors: x64 AVX-512.</summary>
    Vector512,
}

/// <summary>Which kernels this process runs.</summary>
public static class KernelInfo
{
    /// <summary>
    /// The path the kernels take in this process, decided by the processor and .NET's instruction-set settings
    /// (<c>DOTNET_EnableAVX512=0</c>, <c>DOTNET_EnableAVX2=0</c>, <c>DOTNET_PreferredVectorBitWidth=128</c>,
    /// <c>DOTNET_EnableHWIntrinsic=0</c>); with Native AOT, by the instruction set the binary was compiled for. It does
    /// not change while the process runs.
    /// </summary>
    public static KernelPath Path => VectorPaths.Current;

    /// <summary>
    /// <see cref="Path"/> in words, as the Sample prints it: <c>AVX-512</c>, <c>AVX2 + FMA</c>, <c>ARM64 NEON</c> (or
    /// <c>128-bit vectors + FMA</c> on x64), <c>plain .NET (no SIMD)</c>.
    /// </summary>
    public static string Description => Path switch
    {
        KernelPath.Vector512 => "AVX-512",
        KernelPath.Vector256 => "AVX2 + FMA",
        KernelPath.Vector128 => AdvSimd.IsSupported ? "ARM64 NEON" : "128-bit vectors + FMA",
        _ => "plain .NET (no SIMD)",
    };
}
