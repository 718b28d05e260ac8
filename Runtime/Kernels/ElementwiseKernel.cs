using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

/// <summary>
/// Element-wise layers that could not be fused into a dense layer's epilogue (an activation after another
/// activation, or a batch normalisation that follows an activation or starts the network), applied in place.
/// Exists for generated code, so it is hidden from IntelliSense and may change between versions.
/// </summary>
/// <remarks>
/// Every element is computed on its own by the same IEEE operations on every path (an activation's scalar
/// and vector forms agree bit for bit; batch normalisation is one FMA), so every path agrees exactly.
/// The vector paths handle a partial last vector with masked loads and stores, never touching memory past
/// the span.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ElementwiseKernel
{
    /// <summary>values[i] = act(values[i]) for every element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<TActivation>(Span<float> values)
        where TActivation : struct, IActivation
    {
        if (VectorPaths.Vector512)
        {
            ApplyVector512<TActivation>(values);
        }
        else if (VectorPaths.Vector256)
        {
            ApplyVector256<TActivation>(values);
        }
        else if (VectorPaths.Vector128)
        {
            ApplyVector128<TActivation>(values);
        }
        else
        {
            ApplyScalar<TActivation>(values);
        }
    }

    /// <summary>
    /// Batch normalisation at inference over row-major rows of <see cref="BatchNormWeights.Features"/> values:
    /// values[r, f] = fma(values[r, f], scale[f], shift[f]).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BatchNorm(Span<float> values, BatchNormWeights weights)
    {
        if (VectorPaths.Vector512)
        {
            BatchNormVector512(values, weights);
        }
        else if (VectorPaths.Vector256)
        {
            BatchNormVector256(values, weights);
        }
        else if (VectorPaths.Vector128)
        {
            BatchNormVector128(values, weights);
        }
        else
        {
            BatchNormScalar(values, weights);
        }
    }

    /// <summary>The plain .NET path of <see cref="Apply{TActivation}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ApplyScalar<TActivation>(Span<float> values)
        where TActivation : struct, IActivation
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = TActivation.Apply(values[i]);
        }
    }

    /// <summary>The AVX-512 path of <see cref="Apply{TActivation}"/>.</summary>
    /// <exception cref="PlatformNotSupportedException">The processor has no AVX-512F.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ApplyVector512<TActivation>(Span<float> values)
        where TActivation : struct, IActivation
    {
        RequireVector512();
        fixed (float* start = values)
        {
            int length = values.Length;
            int i = 0;
            for (; i <= length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                TActivation.Apply(Vector512.Load(start + i)).Store(start + i);
            }

            if (i < length)
            {
                Vector512<float> mask = DenseKernel.LaneMask512(length - i);
                Vector512<float> tail = Avx512F.MaskLoad(start + i, mask, Vector512<float>.Zero);
                Avx512F.MaskStore(start + i, mask, TActivation.Apply(tail));
            }
        }
    }

    /// <summary>The AVX2 path of <see cref="Apply{TActivation}"/>.</summary>
    /// <exception cref="PlatformNotSupportedException">The processor has no AVX2 or no FMA.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ApplyVector256<TActivation>(Span<float> values)
        where TActivation : struct, IActivation
    {
        RequireVector256();
        fixed (float* start = values)
        {
            int length = values.Length;
            int i = 0;
            for (; i <= length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                TActivation.Apply(Vector256.Load(start + i)).Store(start + i);
            }

            if (i < length)
            {
                Vector256<float> mask = DenseKernel.LaneMask256(length - i);
                Vector256<float> tail = Avx.MaskLoad(start + i, mask);
                Avx.MaskStore(start + i, mask, TActivation.Apply(tail));
            }
        }
    }

    /// <summary>
    /// The 128-bit path of <see cref="Apply{TActivation}"/> (ARM64 NEON, or x64 forced to 128 bits; callable on any
    /// processor, see <see cref="VectorPaths"/>). Without masked
    /// loads in the portable API, the last 1–3 values go through a zeroed copy on the stack.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ApplyVector128<TActivation>(Span<float> values)
        where TActivation : struct, IActivation
    {
        fixed (float* start = values)
        {
            int length = values.Length;
            int i = 0;
            for (; i <= length - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                TActivation.Apply(Vector128.Load(start + i)).Store(start + i);
            }

            if (i < length)
            {
                Span<float> last = stackalloc float[Vector128<float>.Count];
                last.Clear();
                values[i..].CopyTo(last);
                TActivation.Apply(Vector128.Create((ReadOnlySpan<float>)last)).CopyTo(last);
                last[..(length - i)].CopyTo(values[i..]);
            }
        }
    }

    /// <summary>The plain .NET path of <see cref="BatchNorm"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void BatchNormScalar(Span<float> values, BatchNormWeights weights)
    {
        CheckRows(values, weights);
        ReadOnlySpan<float> scale = weights.Scale;
        ReadOnlySpan<float> shift = weights.Shift;
        for (int start = 0; start < values.Length; start += scale.Length)
        {
            Span<float> row = values.Slice(start, scale.Length);
            for (int f = 0; f < row.Length; f++)
            {
                row[f] = MathF.FusedMultiplyAdd(row[f], scale[f], shift[f]);
            }
        }
    }

    /// <summary>The AVX-512 path of <see cref="BatchNorm"/>.</summary>
    /// <exception cref="PlatformNotSupportedException">The processor has no AVX-512F.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void BatchNormVector512(Span<float> values, BatchNormWeights weights)
    {
        RequireVector512();
        CheckRows(values, weights);
        int features = weights.Features;
        int full = features - (features % Vector512<float>.Count);
        Vector512<float> mask = DenseKernel.LaneMask512(features - full);
        fixed (float* start = values)
        fixed (float* scale = weights.Scale)
        fixed (float* shift = weights.Shift)
        {
            for (float* row = start, end = start + values.Length; row < end; row += features)
            {
                int f = 0;
                for (; f < full; f += Vector512<float>.Count)
                {
                    Vector512.FusedMultiplyAdd(Vector512.Load(row + f), Vector512.Load(scale + f), Vector512.Load(shift + f)).Store(row + f);
                }

                if (f < features)
                {
                    Vector512<float> value = Vector512.FusedMultiplyAdd(
                        Avx512F.MaskLoad(row + f, mask, Vector512<float>.Zero),
                        Avx512F.MaskLoad(scale + f, mask, Vector512<float>.Zero),
                        Avx512F.MaskLoad(shift + f, mask, Vector512<float>.Zero));
                    Avx512F.MaskStore(row + f, mask, value);
                }
            }
        }
    }

    /// <summary>The AVX2 path of <see cref="BatchNorm"/>.</summary>
    /// <exception cref="PlatformNotSupportedException">The processor has no AVX2 or no FMA.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void BatchNormVector256(Span<float> values, BatchNormWeights weights)
    {
        RequireVector256();
        CheckRows(values, weights);
        int features = weights.Features;
        int full = features - (features % Vector256<float>.Count);
        Vector256<float> mask = DenseKernel.LaneMask256(features - full);
        fixed (float* start = values)
        fixed (float* scale = weights.Scale)
        fixed (float* shift = weights.Shift)
        {
            for (float* row = start, end = start + values.Length; row < end; row += features)
            {
                int f = 0;
                for (; f < full; f += Vector256<float>.Count)
                {
                    Vector256.FusedMultiplyAdd(Vector256.Load(row + f), Vector256.Load(scale + f), Vector256.Load(shift + f)).Store(row + f);
                }

                if (f < features)
                {
                    Vector256<float> value = Vector256.FusedMultiplyAdd(
                        Avx.MaskLoad(row + f, mask), Avx.MaskLoad(scale + f, mask), Avx.MaskLoad(shift + f, mask));
                    Avx.MaskStore(row + f, mask, value);
                }
            }
        }
    }

    /// <summary>
    /// The 128-bit path of <see cref="BatchNorm"/> (ARM64 NEON, or x64 forced to 128 bits; callable on any processor).
    /// A row's last 1–3 values take the scalar FMA, the same IEEE operation as one lane of the vector one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void BatchNormVector128(Span<float> values, BatchNormWeights weights)
    {
        CheckRows(values, weights);
        int features = weights.Features;
        int full = features - (features % Vector128<float>.Count);
        fixed (float* start = values)
        fixed (float* scale = weights.Scale)
        fixed (float* shift = weights.Shift)
        {
            for (float* row = start, end = start + values.Length; row < end; row += features)
            {
                int f = 0;
                for (; f < full; f += Vector128<float>.Count)
                {
                    Vector128.FusedMultiplyAdd(Vector128.Load(row + f), Vector128.Load(scale + f), Vector128.Load(shift + f)).Store(row + f);
                }

                for (; f < features; f++)
                {
                    row[f] = MathF.FusedMultiplyAdd(row[f], scale[f], shift[f]);
                }
            }
        }
    }

    /// <summary>Throws unless the AVX-512 paths can run.</summary>
    internal static void RequireVector512()
    {
        if (!Avx512F.IsSupported)
        {
            throw new PlatformNotSupportedException("The AVX-512 kernels need AVX-512F.");
        }
    }

    /// <summary>Throws unless the AVX2 paths can run.</summary>
    internal static void RequireVector256()
    {
        if (!Avx2.IsSupported || !Fma.IsSupported)
        {
            throw new PlatformNotSupportedException("The AVX2 kernels need AVX2 and FMA.");
        }
    }

    private static void CheckRows(Span<float> values, BatchNormWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int features = weights.Features;
        if (features == 0 || values.Length % features != 0)
        {
            throw new ArgumentException($"Expected whole rows of {features} features, got {values.Length} values.", nameof(values));
        }
    }
}
