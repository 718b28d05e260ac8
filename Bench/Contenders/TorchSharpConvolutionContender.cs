#if TORCHSHARP
using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StaticNet.Bench.Contenders;

/// <summary>
/// The Sample's LeNet in TorchSharp (libtorch), as tools/train_lenet.py builds it: an <c>nn.Sequential</c> of
/// Conv2d(1, 8, 5, padding 2), ReLU, MaxPool2d(2), Conv2d(8, 16, 5), BatchNorm2d(16), ReLU, MaxPool2d(2), Flatten,
/// Linear(400, 64), ReLU, Dropout(0.25), Linear(64, 10) holding the same weights and running statistics, in eval mode
/// with gradients off, over an input tensor (batch, 1, 28, 28) made once. A call is one <c>forward</c>; its result
/// tensor is disposed and not copied out, as in <see cref="TorchSharpContender"/>. libtorch's thread count is
/// process-wide, so it is set when the contender is built, before its case runs.
/// </summary>
public sealed class TorchSharpConvolutionContender : IContender
{
    private readonly Sequential _model;
    private readonly Tensor _input;

    /// <summary>Builds the module, copies the weights in and sets libtorch's intra-op threads to <paramref name="threads"/>.</summary>
    public TorchSharpConvolutionContender(ConvolutionModel model, float[] input, int batch, int threads)
    {
        ArgumentNullException.ThrowIfNull(model);
        TorchSharpContender.Initialise();
        set_num_threads(threads);
        Conv2d convolution1 = nn.Conv2d(1, 8, 5, padding: 2);
        Conv2d convolution2 = nn.Conv2d(8, 16, 5);
        BatchNorm2d norm = nn.BatchNorm2d(16, eps: ConvolutionModel.BatchNormEpsilon);
        Linear dense1 = nn.Linear(400, 64);
        Linear dense2 = nn.Linear(64, 10);
        _model = nn.Sequential(
            ("0", convolution1), ("1", nn.ReLU()), ("2", nn.MaxPool2d(2)),
            ("3", convolution2), ("4", norm), ("5", nn.ReLU()), ("6", nn.MaxPool2d(2)),
            ("7", nn.Flatten()), ("8", dense1), ("9", nn.ReLU()), ("10", nn.Dropout(0.25)), ("11", dense2));
        Copy(convolution1.weight!, model.Convolution1Weight, [8, 1, 5, 5]);
        Copy(convolution1.bias!, model.Convolution1Bias, [8]);
        Copy(convolution2.weight!, model.Convolution2Weight, [16, 8, 5, 5]);
        Copy(convolution2.bias!, model.Convolution2Bias, [16]);
        Copy(norm.weight!, model.NormWeight, [16]);
        Copy(norm.bias!, model.NormBias, [16]);
        Copy(norm.running_mean!, model.NormMean, [16]);
        Copy(norm.running_var!, model.NormVariance, [16]);
        Copy(dense1.weight!, model.Dense1Weight, [64, 400]);
        Copy(dense1.bias!, model.Dense1Bias, [64]);
        Copy(dense2.weight!, model.Dense2Weight, [10, 64]);
        Copy(dense2.bias!, model.Dense2Bias, [10]);
        _model.eval();
        _input = tensor(input, [batch, 1, 28, 28]);
    }

    /// <inheritdoc/>
    public void Run()
    {
        using Tensor output = _model.forward(_input);
    }

    /// <summary>Copies one run's output into <paramref name="output"/>, for the correctness check.</summary>
    public void RunInto(float[] output)
    {
        using Tensor result = _model.forward(_input);
        result.data<float>().CopyTo(output);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _input.Dispose();
        _model.Dispose();
    }

    private static void Copy(Tensor target, float[] values, long[] shape)
    {
        using Tensor source = tensor(values, shape);
        target.copy_(source);
    }
}
#endif
