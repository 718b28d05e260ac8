using System;
using System.ComponentModel;

namespace StaticNet;

/// <summary>Receives one layer's output during <c>ForwardInspect</c>; the values are only valid during the call.</summary>
/// <param name="activation">The layer and its output for the whole batch.</param>
public delegate void LayerObserver(LayerActivation activation);

/// <summary>
/// One layer's output for a batch, as <c>ForwardInspect</c> hands it to a <see cref="LayerObserver"/>:
/// rows × features values, row-major (each row in its <see cref="Shape"/>). A BatchNorm folded into the Dense before it is reported once, together
/// with that Dense (<see cref="Position"/> is the Dense, <see cref="LastPosition"/> the BatchNorm), because the
/// fast path never computes the Dense's output on its own.
/// </summary>
public readonly ref struct LayerActivation
{
    /// <summary>Creates an activation view.</summary>
    /// <remarks>
    /// For generated code (<c>ForwardInspect</c> builds one per layer), so it is hidden from IntelliSense and may
    /// change in any version; observers receive activations and never need to build one.
    /// </remarks>
    /// <param name="position">The layer's 0-based position in the attribute list.</param>
    /// <param name="lastPosition">The last position the output covers (a folded BatchNorm's, or <paramref name="position"/>).</param>
    /// <param name="layer">The layer as declared, for display.</param>
    /// <param name="rows">Rows in the batch.</param>
    /// <param name="features">Values per row.</param>
    /// <param name="values">rows × features values, row-major.</param>
    /// <exception cref="ArgumentException"><paramref name="values"/> does not hold rows × features values.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public LayerActivation(int position, int lastPosition, string layer, int rows, int features, ReadOnlySpan<float> values)
    {
        if (values.Length != (long)rows * features)
        {
            throw new ArgumentException($"Expected {rows} × {features} values, got {values.Length}.", nameof(values));
        }

        Position = position;
        LastPosition = lastPosition;
        Layer = layer;
        Rows = rows;
        Features = features;
        Values = values;
        _shape = null;
    }

    private readonly string? _shape;

    /// <summary>The layer's 0-based position in the attribute list.</summary>
    public int Position { get; }

    /// <summary>The last position this output covers: <see cref="Position"/> except for a Dense with a folded BatchNorm.</summary>
    public int LastPosition { get; }

    /// <summary>The layer as declared, e.g. <c>Dense(784, 128)</c> or <c>Dense(17, 33) + BatchNorm(33)</c>.</summary>
    public string Layer { get; }

    /// <summary>Samples in the batch.</summary>
    public int Rows { get; }

    /// <summary>Values per sample: C·L or C·H·W after a convolution or pooling layer.</summary>
    public int Features { get; }

    /// <summary>
    /// The output's shape as PyTorch prints it, with N for the batch: <c>(N, 128)</c>, or <c>(N, 8, 14, 14)</c> after a
    /// convolution or pooling layer (each sample's values are then row-major (C, H, W)).
    /// </summary>
    public string Shape
    {
        get => _shape ?? $"(N, {Features})";
        [EditorBrowsable(EditorBrowsableState.Never)]
        init => _shape = value;
    }

    /// <summary>All values, rows × features, row-major.</summary>
    public ReadOnlySpan<float> Values { get; }

    /// <summary>One sample's values.</summary>
    public ReadOnlySpan<float> Row(int row) => Values.Slice(row * Features, Features);

    /// <summary>Mean, standard deviation, range and dead units over the whole batch.</summary>
    public LayerStatistics Statistics() => LayerStatistics.Compute(this);
}

/// <summary>
/// Summary statistics of one layer's output over a batch, the numbers people check when debugging a network:
/// mean and standard deviation (is BatchNorm normalising?), range, zeros, and dead units (features that are
/// exactly 0 for every sample — dead ReLUs).
/// </summary>
/// <param name="Mean">Mean over all values.</param>
/// <param name="StandardDeviation">Population standard deviation over all values.</param>
/// <param name="Min">Smallest value.</param>
/// <param name="Max">Largest value.</param>
/// <param name="ZeroFraction">Fraction of values that are exactly 0.</param>
/// <param name="DeadUnits">Features that are 0 for every sample of the batch.</param>
/// <param name="NonFinite">Values that are NaN or infinite.</param>
public readonly record struct LayerStatistics(double Mean, double StandardDeviation, float Min, float Max, double ZeroFraction, int DeadUnits, int NonFinite)
{
    /// <summary>Computes the statistics of an activation (in double, two passes, for accuracy).</summary>
    public static LayerStatistics Compute(LayerActivation activation)
    {
        ReadOnlySpan<float> values = activation.Values;
        if (values.IsEmpty)
        {
            return default;
        }

        double sum = 0;
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        int zeros = 0, nonFinite = 0, finite = 0;
        foreach (float v in values)
        {
            if (!float.IsFinite(v))
            {
                nonFinite++;
                continue;
            }

            finite++;
            sum += v;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            zeros += v == 0f ? 1 : 0;
        }

        double mean = finite == 0 ? double.NaN : sum / finite;
        double squares = 0;
        foreach (float v in values)
        {
            if (float.IsFinite(v))
            {
                squares += (v - mean) * (v - mean);
            }
        }

        int dead = 0;
        for (int f = 0; f < activation.Features; f++)
        {
            bool alwaysZero = true;
            for (int r = 0; r < activation.Rows && alwaysZero; r++)
            {
                alwaysZero = values[(r * activation.Features) + f] == 0f;
            }

            dead += alwaysZero ? 1 : 0;
        }

        return new LayerStatistics(mean, finite == 0 ? double.NaN : Math.Sqrt(squares / finite), min, max, (double)zeros / values.Length, dead, nonFinite);
    }
}
