using System;
using Microsoft.ML.OnnxRuntime;

namespace StaticNet.Bench.Contenders;

/// <summary>
/// ONNX Runtime's fastest C# path as far as we know it: the model written by <see cref="OnnxModelWriter"/>, all
/// graph optimisations, sequential execution, the benchmark's arrays wrapped (pinned, not copied) as OrtValues and
/// bound once with an <see cref="OrtIoBinding"/>, so a call is one <c>RunWithBinding</c> that writes straight into
/// the output array.
/// </summary>
public sealed class OnnxRuntimeContender : IContender
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions;
    private readonly OrtValue _input;
    private readonly OrtValue _output;
    private readonly OrtIoBinding _binding;

    /// <summary>Builds the session; <paramref name="threads"/> is its intra-op thread count (1 = this thread only).</summary>
    public OnnxRuntimeContender(Model model, float[] input, float[] output, int batch, int threads)
        : this(OnnxModelWriter.Write(model), model, input, output, batch, threads)
    {
    }

    /// <summary>Builds the session over the given .onnx bytes (<see cref="OnnxModelWriter.WriteInt8"/>: the int8 graph).</summary>
    public OnnxRuntimeContender(byte[] onnx, Model model, float[] input, float[] output, int batch, int threads)
        : this(onnx, input, [batch, model?.InputSize ?? throw new ArgumentNullException(nameof(model))], output, [batch, model.OutputSize], threads)
    {
    }

    /// <summary>
    /// Builds the session over any .onnx bytes with one input "input" and one output "output" of the given shapes
    /// (<see cref="OnnxModelWriter.WriteLeNet"/>: (batch, 1, 28, 28) → (batch, 10)).
    /// </summary>
    public OnnxRuntimeContender(byte[] onnx, float[] input, long[] inputShape, float[] output, long[] outputShape, int threads)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
        };
        _session = new InferenceSession(onnx, options);
        _runOptions = new RunOptions();
        _input = OrtValue.CreateTensorValueFromMemory(input, inputShape);
        _output = OrtValue.CreateTensorValueFromMemory(output, outputShape);
        _binding = _session.CreateIoBinding();
        _binding.BindInput(OnnxModelWriter.InputName, _input);
        _binding.BindOutput(OnnxModelWriter.OutputName, _output);
    }

    /// <summary>ONNX Runtime's version.</summary>
    public static string Version => OrtEnv.Instance().GetVersionString();

    /// <inheritdoc/>
    public void Run() => _session.RunWithBinding(_runOptions, _binding);

    /// <inheritdoc/>
    public void Dispose()
    {
        _binding.Dispose();
        _input.Dispose();
        _output.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
