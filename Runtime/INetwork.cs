using System;

namespace StaticNet;

/// <summary>
/// What every generated network is, for code that works with any of them (a benchmark, a model registry, the
/// multi-core path). The sizes repeat the network's public constants; they are implemented explicitly so the
/// constants keep their names.
/// </summary>
public interface INetwork
{
    /// <summary>Features per sample fed to the first layer (the network's <c>InputSize</c>).</summary>
    static abstract int InputFeatures { get; }

    /// <summary>Features per sample produced by the last layer (the network's <c>OutputSize</c>).</summary>
    static abstract int OutputFeatures { get; }

    /// <summary>Floating-point operations per sample (the network's <c>FlopPerSample</c>).</summary>
    static abstract long FlopPerRow { get; }

    /// <summary>Runs a row-major batch: (batch, InputFeatures) → (batch, OutputFeatures).</summary>
    void Forward(ReadOnlySpan<float> inputs, Span<float> outputs);
}
