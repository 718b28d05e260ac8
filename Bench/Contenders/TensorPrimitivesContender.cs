using System;
using System.Numerics.Tensors;

namespace StaticNet.Bench.Contenders;

/// <summary>
/// The straightforward use of <see cref="TensorPrimitives"/> (System.Numerics.Tensors): per sample and per output
/// one vectorised <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/> of the input with
/// that output's weight row (PyTorch's layout), then <c>Add</c> of the bias, <c>Max</c> with 0 for ReLU and
/// <c>SoftMax</c> at the end.
/// </summary>
public sealed class TensorPrimitivesContender : IContender
{
    private readonly Model _model;
    private readonly float[][] _activations;
    private readonly float[] _input;
    private readonly float[] _output;
    private readonly int _batch;

    /// <summary>Uses the model's arrays as they are (row-major (outputs, inputs) weights).</summary>
    public TensorPrimitivesContender(Model model, float[] input, float[] output, int batch)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _activations = new float[model.Layers.Count][];
        for (int l = 0; l < model.Layers.Count; l++)
        {
            _activations[l] = new float[model.Layers[l].Outputs];
        }

        _input = input;
        _output = output;
        _batch = batch;
    }

    /// <inheritdoc/>
    public void Run()
    {
        int inputSize = _model.InputSize;
        int outputSize = _model.OutputSize;
        for (int s = 0; s < _batch; s++)
        {
            ReadOnlySpan<float> x = _input.AsSpan(s * inputSize, inputSize);
            for (int l = 0; l < _activations.Length; l++)
            {
                DenseLayer layer = _model.Layers[l];
                Span<float> y = _activations[l];
                ReadOnlySpan<float> weight = layer.Weight;
                for (int o = 0; o < y.Length; o++)
                {
                    y[o] = TensorPrimitives.Dot(x, weight.Slice(o * layer.Inputs, layer.Inputs));
                }

                TensorPrimitives.Add(y, layer.Bias, y);
                if (layer.ReLU)
                {
                    TensorPrimitives.Max(y, 0f, y);
                }

                x = y;
            }

            TensorPrimitives.SoftMax(x, _output.AsSpan(s * outputSize, outputSize));
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
