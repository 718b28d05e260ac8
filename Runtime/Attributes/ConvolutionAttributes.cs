using System;

namespace StaticNet;

/// <summary>
/// A one-dimensional convolution, like PyTorch's <c>nn.Conv1d(inChannels, outChannels, kernelSize)</c> with zero padding.
/// Reads the tensors <c>weight</c> (outChannels, inChannels / Groups, kernelSize) and, when <see cref="Bias"/> is true,
/// <c>bias</c> (outChannels). Its input is (inChannels, length) per sample.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv1dAttribute : Attribute
{
    /// <summary>Declares a one-dimensional convolution.</summary>
    /// <param name="inChannels">Channels per sample this layer reads; must equal the channels before it.</param>
    /// <param name="outChannels">Channels per sample this layer produces.</param>
    /// <param name="kernelSize">The kernel's length.</param>
    public Conv1dAttribute(int inChannels, int outChannels, int kernelSize)
    {
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
    }

    /// <summary>Channels per sample this layer reads.</summary>
    public int InChannels { get; }

    /// <summary>Channels per sample this layer produces.</summary>
    public int OutChannels { get; }

    /// <summary>The kernel's length.</summary>
    public int KernelSize { get; }

    /// <summary>The step between kernel positions. Default 1.</summary>
    public int Stride { get; set; } = 1;

    /// <summary>Zeros added on each side of the input before the kernel slides over it. Default 0.</summary>
    public int Padding { get; set; }

    /// <summary>The spacing between kernel taps (PyTorch's <c>dilation</c>). Default 1.</summary>
    public int Dilation { get; set; } = 1;

    /// <summary>
    /// Channel groups: input and output channels are split into this many groups, each output channel reading the
    /// inputs of its own group only (PyTorch's <c>groups</c>; equal to the channels for a depthwise convolution).
    /// Must divide both channel counts. Default 1.
    /// </summary>
    public int Groups { get; set; } = 1;

    /// <summary>Whether the layer adds a learned bias per output channel (PyTorch's <c>bias=True</c>). Default true.</summary>
    public bool Bias { get; set; } = true;

    /// <summary>
    /// The PyTorch module name whose tensors this layer reads (<c>"conv1"</c> reads <c>conv1.weight</c>, <c>conv1.bias</c>).
    /// When null, the layer's 0-based position in the attribute list is used, as in <c>nn.Sequential</c>.
    /// </summary>
    public string? Name { get; set; }
}

/// <summary>
/// A two-dimensional convolution, like PyTorch's <c>nn.Conv2d(inChannels, outChannels, kernelSize)</c> with zero padding and a square kernel.
/// Reads the tensors <c>weight</c> (outChannels, inChannels / Groups, kernelSize, kernelSize) and, when <see cref="Bias"/> is true,
/// <c>bias</c> (outChannels). Its input is (inChannels, height, width) per sample.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv2dAttribute : Attribute
{
    /// <summary>Declares a two-dimensional convolution.</summary>
    /// <param name="inChannels">Channels per sample this layer reads; must equal the channels before it.</param>
    /// <param name="outChannels">Channels per sample this layer produces.</param>
    /// <param name="kernelSize">The kernel's height and width.</param>
    public Conv2dAttribute(int inChannels, int outChannels, int kernelSize)
    {
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
    }

    /// <summary>Channels per sample this layer reads.</summary>
    public int InChannels { get; }

    /// <summary>Channels per sample this layer produces.</summary>
    public int OutChannels { get; }

    /// <summary>The kernel's height and width.</summary>
    public int KernelSize { get; }

    /// <summary>The step between kernel positions, the same along height and width. Default 1.</summary>
    public int Stride { get; set; } = 1;

    /// <summary>Zeros added on each side of the input, the same along height and width before the kernel slides over it. Default 0.</summary>
    public int Padding { get; set; }

    /// <summary>The spacing between kernel taps (PyTorch's <c>dilation</c>). Default 1.</summary>
    public int Dilation { get; set; } = 1;

    /// <summary>
    /// Channel groups: input and output channels are split into this many groups, each output channel reading the
    /// inputs of its own group only (PyTorch's <c>groups</c>; equal to the channels for a depthwise convolution).
    /// Must divide both channel counts. Default 1.
    /// </summary>
    public int Groups { get; set; } = 1;

    /// <summary>Whether the layer adds a learned bias per output channel (PyTorch's <c>bias=True</c>). Default true.</summary>
    public bool Bias { get; set; } = true;

    /// <summary>
    /// The PyTorch module name whose tensors this layer reads (<c>"conv1"</c> reads <c>conv1.weight</c>, <c>conv1.bias</c>).
    /// When null, the layer's 0-based position in the attribute list is used, as in <c>nn.Sequential</c>.
    /// </summary>
    public string? Name { get; set; }
}
