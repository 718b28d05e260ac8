using System;
using System.ComponentModel;
using StaticNet.Weights;

namespace StaticNet.Kernels;

/// <summary>
/// The four tensors of a PyTorch <c>BatchNorm1d</c> and its ε, as read from a weights file. Exists for generated code
/// (hidden from IntelliSense); it may change between versions. Its values are only read, by the code that folds them.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class BatchNormParameters
{
    internal BatchNormParameters(float[] weight, float[] bias, float[] runningMean, float[] runningVar, float epsilon)
    {
        Weight = weight;
        Bias = bias;
        RunningMean = runningMean;
        RunningVar = runningVar;
        Epsilon = epsilon;
    }

    /// <summary>γ, (features).</summary>
    internal float[] Weight { get; }

    /// <summary>β, (features).</summary>
    internal float[] Bias { get; }

    /// <summary>(features).</summary>
    internal float[] RunningMean { get; }

    /// <summary>(features).</summary>
    internal float[] RunningVar { get; }

    /// <summary>Added to the variance before the square root.</summary>
    internal float Epsilon { get; }

    /// <summary>Features per sample.</summary>
    public int Features => Weight.Length;

    /// <summary>
    /// Reads <c>{prefix}.weight</c>, <c>.bias</c>, <c>.running_mean</c> and <c>.running_var</c>, each of shape
    /// (<paramref name="features"/>), as PyTorch's <c>BatchNorm1d</c> saves them, from any weights file.
    /// </summary>
    /// <exception cref="System.IO.InvalidDataException">A tensor is missing or has another shape or dtype.</exception>
    public static BatchNormParameters Read<TSource>(TSource file, string prefix, int features, float epsilon)
        where TSource : ITensorSource, allows ref struct
        => new(
            file.ReadTensor(prefix + ".weight", features),
            file.ReadTensor(prefix + ".bias", features),
            file.ReadTensor(prefix + ".running_mean", features),
            file.ReadTensor(prefix + ".running_var", features),
            epsilon);

    /// <summary>γ[i] / √(var[i] + ε), in double.</summary>
    internal double Scale(int i) => Weight[i] / Math.Sqrt((double)RunningVar[i] + Epsilon);
}

/// <summary>
/// A batch normalisation that is not folded into a dense layer (it follows an activation, or starts the
/// network), reduced at load to one fused multiply-add per value: y = x·scale + shift. Exists for generated code
/// (hidden from IntelliSense); immutable after <see cref="Create"/>, which is what lets one network serve many threads.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class BatchNormWeights
{
    private BatchNormWeights(float[] scale, float[] shift)
    {
        Scale = scale;
        Shift = shift;
    }

    /// <summary>Features per sample.</summary>
    public int Features => Scale.Length;

    /// <summary>γ / √(var + ε), rounded once from double.</summary>
    internal float[] Scale { get; }

    /// <summary>β − mean·γ / √(var + ε), rounded once from double.</summary>
    internal float[] Shift { get; }

    /// <summary>Precomputes scale and shift from PyTorch's tensors.</summary>
    public static BatchNormWeights Create(BatchNormParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        int n = parameters.Features;
        var scale = new float[n];
        var shift = new float[n];
        for (int i = 0; i < n; i++)
        {
            double s = parameters.Scale(i);
            scale[i] = (float)s;
            shift[i] = (float)(parameters.Bias[i] - (parameters.RunningMean[i] * s));
        }

        return new BatchNormWeights(scale, shift);
    }

    /// <summary>
    /// Scale and shift per channel (BatchNorm1d/2d after a convolution), repeated over each channel's
    /// <paramref name="positions"/> values, so the per-feature kernel applies it to (C, L) or (C, H, W) samples.
    /// </summary>
    public static BatchNormWeights CreatePerChannel(BatchNormParameters parameters, int positions)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(positions);
        BatchNormWeights channels = Create(parameters);
        var scale = new float[(long)channels.Features * positions];
        var shift = new float[scale.Length];
        for (int c = 0; c < channels.Features; c++)
        {
            scale.AsSpan(c * positions, positions).Fill(channels.Scale[c]);
            shift.AsSpan(c * positions, positions).Fill(channels.Shift[c]);
        }

        return new BatchNormWeights(scale, shift);
    }
}
