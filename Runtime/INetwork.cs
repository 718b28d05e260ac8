using System;

namespace StaticNet;

/// <summary>
/// What every generated network is, for code that works with any of them (a benchmark, a model registry, the
/// multi-core path): <c>where TNetwork : INetwork</c> gives <c>TNetwork.InputSize</c> and the other sizes without an
/// instance. The members have the names of the network's public constants; a constant cannot implement a static
/// abstract property, so the generated class implements them explicitly, each returning its constant.
/// </summary>
public interface INetwork
{
    /// <summary>Features per sample fed to the first layer (the network's <c>InputSize</c> constant).</summary>
    static abstract int InputSize { get; }

    /// <summary>Features per sample produced by the last layer (the network's <c>OutputSize</c> constant).</summary>
    static abstract int OutputSize { get; }

    /// <summary>Floating-point operations per sample, a multiply-add counting as two (the network's <c>FlopPerSample</c> constant).</summary>
    static abstract long FlopPerSample { get; }

    /// <summary>Runs a row-major batch: (batch, InputSize) → (batch, OutputSize).</summary>
    /// <param name="inputs">The batch's inputs, row-major: batch × <see cref="InputSize"/> floats.</param>
    /// <param name="outputs">Receives the outputs, row-major: batch × <see cref="OutputSize"/> floats.</param>
    /// <exception cref="ArgumentException">The lengths are not (batch, InputSize) and (batch, OutputSize).</exception>
    void Forward(ReadOnlySpan<float> inputs, Span<float> outputs);
}
