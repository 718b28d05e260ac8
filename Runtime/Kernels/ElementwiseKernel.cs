using System;
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>
/// Element-wise layers that could not be fused into a dense layer's epilogue (an activation after another
/// activation, or a batch normalisation that follows an activation or starts the network), applied in place.
/// </summary>
public static class ElementwiseKernel
{
    /// <summary>values[i] = act(values[i]) for every element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<TActivation>(Span<float> values)
        where TActivation : struct, IActivation
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = TActivation.Apply(values[i]);
        }
    }

    /// <summary>
    /// Batch normalisation at inference over row-major rows of <see cref="BatchNormWeights.Features"/> values:
    /// values[r, f] = fma(values[r, f], scale[f], shift[f]).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BatchNorm(Span<float> values, BatchNormWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int features = weights.Features;
        if (values.Length % features != 0)
        {
            throw new ArgumentException($"Expected whole rows of {features} features, got {values.Length} values.", nameof(values));
        }

        ReadOnlySpan<float> scale = weights.Scale;
        ReadOnlySpan<float> shift = weights.Shift;
        for (int start = 0; start < values.Length; start += features)
        {
            Span<float> row = values.Slice(start, features);
            for (int f = 0; f < row.Length; f++)
            {
                row[f] = MathF.FusedMultiplyAdd(row[f], scale[f], shift[f]);
            }
        }
    }
}
