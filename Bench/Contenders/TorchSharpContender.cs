#if TORCHSHARP
using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StaticNet.Bench.Contenders;

/// <summary>
/// TorchSharp (libtorch) on one thread: an <c>nn.Sequential</c> of Linear/ReLU/…/Softmax(dim 1) holding the same
/// weights, in eval mode with gradients off, over an input tensor made once. A call is one <c>forward</c>; its result
/// tensor is disposed and not copied out (which favours TorchSharp slightly: the others write the caller's array).
/// </summary>
public sealed class TorchSharpContender : IContender
{
    private readonly Sequential _model;
    private readonly Tensor _input;

    /// <summary>Builds the module and copies the weights in.</summary>
    public TorchSharpContender(Model model, float[] input, int batch)
    {
        ArgumentNullException.ThrowIfNull(model);
        Initialise();
        var modules = new System.Collections.Generic.List<(string, nn.Module<Tensor, Tensor>)>();
        var linears = new System.Collections.Generic.List<Linear>();
        for (int l = 0; l < model.Layers.Count; l++)
        {
            DenseLayer layer = model.Layers[l];
            Linear linear = nn.Linear(layer.Inputs, layer.Outputs);
            linears.Add(linear);
            modules.Add(($"{2 * l}", linear));
            if (layer.ReLU)
            {
                modules.Add(($"{(2 * l) + 1}", nn.ReLU()));
            }
        }

        modules.Add(("softmax", nn.Softmax(1)));
        _model = nn.Sequential(modules);
        for (int l = 0; l < linears.Count; l++)
        {
            DenseLayer layer = model.Layers[l];
            using Tensor weight = tensor(layer.Weight, [layer.Outputs, layer.Inputs]);
            using Tensor bias = tensor(layer.Bias, [layer.Outputs]);
            linears[l].weight!.copy_(weight);
            linears[l].bias!.copy_(bias);
        }

        _model.eval();
        _input = tensor(input, [batch, model.InputSize]);
    }

    /// <summary>Versions of TorchSharp and libtorch.</summary>
    public static string Version => $"TorchSharp {typeof(torch).Assembly.GetName().Version}, libtorch {__version__}";

    /// <summary>One thread, no gradients; idempotent. Throws what TorchSharp throws when its native code cannot load.</summary>
    public static void Initialise()
    {
        set_num_threads(1);
        set_grad_enabled(false);
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
}
#endif
