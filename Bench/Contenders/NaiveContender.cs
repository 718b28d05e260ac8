using System;

namespace StaticNet.Bench.Contenders;

/// <summary>
/// What one writes without thinking about speed: weights as jagged arrays W[output][input], the obvious triple loop
/// (sample, output, input), ReLU with Math.Max, softmax with MathF.Exp. Plain C#, whatever the JIT makes of it.
/// </summary>
public sealed class NaiveContender : IContender
{
    private readonly float[][][] _weights;
    private readonly float[][] _biases;
    private readonly bool[] _relu;
    private readonly float[][] _activations;
    private readonly float[] _input;
    private readonly float[] _output;
    private readonly int _batch;

    /// <summary>Copies the model's weights into jagged arrays.</summary>
    public NaiveContender(Model model, float[] input, float[] output, int batch)
    {
        ArgumentNullException.ThrowIfNull(model);
        int count = model.Layers.Count;
        _weights = new float[count][][];
        _biases = new float[count][];
        _relu = new bool[count];
        _activations = new float[count + 1][];
        _activations[0] = new float[model.InputSize];
        for (int l = 0; l < count; l++)
        {
            DenseLayer layer = model.Layers[l];
            _weights[l] = new float[layer.Outputs][];
            for (int o = 0; o < layer.Outputs; o++)
            {
                _weights[l][o] = layer.Weight.AsSpan(o * layer.Inputs, layer.Inputs).ToArray();
            }

            _biases[l] = (float[])layer.Bias.Clone();
            _relu[l] = layer.ReLU;
            _activations[l + 1] = new float[layer.Outputs];
        }

        _input = input;
        _output = output;
        _batch = batch;
    }

    /// <inheritdoc/>
    public void Run()
    {
        int inputSize = _activations[0].Length;
        int outputSize = _activations[^1].Length;
        for (int s = 0; s < _batch; s++)
        {
            float[] x = _activations[0];
            for (int i = 0; i < inputSize; i++)
            {
                x[i] = _input[(s * inputSize) + i];
            }

            for (int l = 0; l < _weights.Length; l++)
            {
                float[][] w = _weights[l];
                float[] b = _biases[l];
                float[] y = _activations[l + 1];
                for (int o = 0; o < y.Length; o++)
                {
                    float sum = b[o];
                    for (int i = 0; i < x.Length; i++)
                    {
                        sum += w[o][i] * x[i];
                    }

                    y[o] = _relu[l] ? Math.Max(sum, 0f) : sum;
                }

                x = y;
            }

            float max = float.NegativeInfinity;
            for (int o = 0; o < outputSize; o++)
            {
                max = Math.Max(max, x[o]);
            }

            float total = 0f;
            for (int o = 0; o < outputSize; o++)
            {
                float e = MathF.Exp(x[o] - max);
                _output[(s * outputSize) + o] = e;
                total += e;
            }

            for (int o = 0; o < outputSize; o++)
            {
                _output[(s * outputSize) + o] /= total;
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
