using System;
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>
/// Softmax over each row, in place, stable for logits of any size: e^(x − max) / Σ e^(x − max).
/// </summary>
/// <remarks>
/// The canonical order that every path reproduces: the maximum by compare-and-select (NaN never becomes the
/// maximum, so a NaN input makes its row NaN through the sum, as in PyTorch); the sum in <see cref="Lanes"/>
/// = 16 partial sums, element i going to partial i mod 16 in increasing i, then folded pairwise
/// (partial[j] += partial[j + w] for w = 8, 4, 2, 1); each output divided (not multiplied by a reciprocal)
/// by the total. A 16-lane vector does this natively; narrower paths emulate those 16 lanes.
/// </remarks>
public static class SoftmaxKernel
{
    /// <summary>Partial sums used for the total; fixed so that every path adds in the same order.</summary>
    public const int Lanes = 16;

    /// <summary>Applies softmax to each row of <paramref name="features"/> values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(Span<float> values, int features)
    {
        CheckRows(values, features);
        for (int start = 0; start < values.Length; start += features)
        {
            RowScalar(values.Slice(start, features));
        }
    }

    internal static void RowScalar(Span<float> row)
    {
        float max = float.NegativeInfinity;
        for (int i = 0; i < row.Length; i++)
        {
            max = row[i] > max ? row[i] : max;
        }

        Span<float> partial = stackalloc float[Lanes];
        partial.Clear();
        for (int i = 0; i < row.Length; i++)
        {
            float e = ExpKernel.Exp(row[i] - max);
            row[i] = e;
            partial[i % Lanes] += e;
        }

        float total = FoldPartialSums(partial);
        for (int i = 0; i < row.Length; i++)
        {
            row[i] /= total;
        }
    }

    /// <summary>partial[j] += partial[j + w] for w = 8, 4, 2, 1; returns partial[0].</summary>
    internal static float FoldPartialSums(Span<float> partial)
    {
        for (int width = Lanes / 2; width >= 1; width /= 2)
        {
            for (int j = 0; j < width; j++)
            {
                partial[j] += partial[j + width];
            }
        }

        return partial[0];
    }

    internal static void CheckRows(Span<float> values, int features)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        if (values.Length % features != 0)
        {
            throw new ArgumentException($"Expected whole rows of {features} features, got {values.Length} values.", nameof(values));
        }
    }
}
