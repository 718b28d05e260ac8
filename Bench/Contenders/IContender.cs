using System;

namespace StaticNet.Bench.Contenders;

/// <summary>
/// One way of running a network over a batch. A contender is built over the benchmark's own input and output arrays
/// (row-major (batch, InputSize) and (batch, OutputSize)) and <see cref="Run"/> fills the outputs from the inputs;
/// everything a call needs is prepared when it is built.
/// </summary>
public interface IContender : IDisposable
{
    /// <summary>Runs the whole batch.</summary>
    void Run();
}
