using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

/// <summary>
/// The width-specific operations of <see cref="ConvolutionKernel"/>'s vector path, one struct per vector width, so the
/// kernel is written once (<c>ConvolutionKernel.Vectors.cs</c>) and compiled per width. Every member is inlined: the
/// machine code is the code of a kernel written for that width.
/// </summary>
/// <typeparam name="TVector">The vector of floats: <see cref="Vector512{T}"/>, <see cref="Vector256{T}"/> or <see cref="Vector128{T}"/>.</typeparam>
internal unsafe interface IConvolutionLanes<TVector>
    where TVector : struct
{
    /// <summary>Output positions per vector.</summary>
    static abstract int Count { get; }

    /// <summary>
    /// The most vectors of positions per register block, each with <see cref="ConvolutionWeights.BlockWidth"/>
    /// accumulators (one per output channel): as many as the register file holds with the broadcast weights and one
    /// input vector beside them (6 × 4 accumulators in 32 registers, 2 × 4 in 16).
    /// </summary>
    static abstract int PositionVectors { get; }

    /// <summary>All lanes zero.</summary>
    static abstract TVector Zero { get; }

    /// <summary><see cref="Count"/> floats from <paramref name="source"/>, not necessarily aligned.</summary>
    static abstract TVector Load(float* source);

    /// <summary>Stores <paramref name="value"/> to <paramref name="destination"/>, not necessarily aligned.</summary>
    static abstract void Store(TVector value, float* destination);

    /// <summary>The float at <paramref name="source"/> in every lane.</summary>
    static abstract TVector Broadcast(float* source);

    /// <summary>x · w + acc, rounded once, lane by lane (MathF.FusedMultiplyAdd in each lane).</summary>
    static abstract TVector FusedMultiplyAdd(TVector x, TVector w, TVector acc);

    /// <summary>
    /// The epilogue of one accumulator: act(acc + bias) stored to <paramref name="destination"/>, all
    /// <see cref="Count"/> lanes, or the first <paramref name="count"/> through <paramref name="tile"/> (Count floats,
    /// may be where acc came from) when fewer.
    /// </summary>
    static abstract void Finish<TActivation>(TVector acc, float bias, float* destination, int count, float* tile)
        where TActivation : struct, IActivation;
}

/// <summary>AVX-512: 16 positions per vector, 32 registers.</summary>
internal readonly unsafe struct ConvolutionLanes512 : IConvolutionLanes<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;

    public static int PositionVectors => 6;

    public static Vector512<float> Zero => Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(float* source) => Vector512.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, float* destination) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(float* source) => Vector512.Create(*source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> FusedMultiplyAdd(Vector512<float> x, Vector512<float> w, Vector512<float> acc) => Vector512.FusedMultiplyAdd(x, w, acc);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Finish<TActivation>(Vector512<float> acc, float bias, float* destination, int count, float* tile)
        where TActivation : struct, IActivation
    {
        Vector512<float> y = TActivation.Apply(acc + Vector512.Create(bias));
        if (count == Count)
        {
            y.Store(destination);
        }
        else
        {
            ConvolutionKernel.StorePartial(y, destination, count, tile);
        }
    }
}

/// <summary>AVX2: 8 positions per vector, 16 registers.</summary>
internal readonly unsafe struct ConvolutionLanes256 : IConvolutionLanes<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;

    // 32 registers when AVX-512 is there too (the tests call this path on such processors), 16 on an AVX2 processor.
    public static int PositionVectors => Avx512F.VL.IsSupported ? 6 : 2;

    public static Vector256<float> Zero => Vector256<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(float* source) => Vector256.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, float* destination) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Broadcast(float* source) => Vector256.Create(*source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> FusedMultiplyAdd(Vector256<float> x, Vector256<float> w, Vector256<float> acc) => Vector256.FusedMultiplyAdd(x, w, acc);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Finish<TActivation>(Vector256<float> acc, float bias, float* destination, int count, float* tile)
        where TActivation : struct, IActivation
    {
        Vector256<float> y = TActivation.Apply(acc + Vector256.Create(bias));
        if (count == Count)
        {
            y.Store(destination);
        }
        else
        {
            ConvolutionKernel.StorePartial(y, destination, count, tile);
        }
    }
}

/// <summary>128-bit vectors (ARM64 NEON, or x64 forced to them): 4 positions per vector.</summary>
internal readonly unsafe struct ConvolutionLanes128 : IConvolutionLanes<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;

    // ARM64 has 32 vector registers, x64 with AVX-512 too; an x64 processor without it has 16.
    public static int PositionVectors => AdvSimd.IsSupported || Avx512F.VL.IsSupported ? 6 : 2;

    public static Vector128<float> Zero => Vector128<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(float* source) => Vector128.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, float* destination) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Broadcast(float* source) => Vector128.Create(*source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> FusedMultiplyAdd(Vector128<float> x, Vector128<float> w, Vector128<float> acc) => Vector128.FusedMultiplyAdd(x, w, acc);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Finish<TActivation>(Vector128<float> acc, float bias, float* destination, int count, float* tile)
        where TActivation : struct, IActivation
    {
        Vector128<float> y = TActivation.Apply(acc + Vector128.Create(bias));
        if (count == Count)
        {
            y.Store(destination);
        }
        else
        {
            ConvolutionKernel.StorePartial(y, destination, count, tile);
        }
    }
}
