using System;

namespace StaticNet;

/// <summary>
/// The maximum of each window over each channel, like PyTorch's <c>nn.MaxPool1d(kernelSize)</c>; NaN propagates. The channels pass through; no tensors.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPool1dAttribute : Attribute
{
    /// <summary>Declares the pooling layer.</summary>
    /// <param name="kernelSize">The window's size.</param>
    public MaxPool1dAttribute(int kernelSize) => KernelSize = kernelSize;

    /// <summary>The window's size.</summary>
    public int KernelSize { get; }

    /// <summary>The step between windows; 0, the default, means the kernel size (PyTorch's <c>stride=None</c>).</summary>
    public int Stride { get; set; }

    /// <summary>Padding on each side (padding never wins the maximum), at most half the kernel size. Default 0.</summary>
    public int Padding { get; set; }
}

/// <summary>
/// The maximum of each square window over each channel, like PyTorch's <c>nn.MaxPool2d(kernelSize)</c>; NaN propagates. The channels pass through; no tensors.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPool2dAttribute : Attribute
{
    /// <summary>Declares the pooling layer.</summary>
    /// <param name="kernelSize">The window's size, the same along height and width.</param>
    public MaxPool2dAttribute(int kernelSize) => KernelSize = kernelSize;

    /// <summary>The window's size, the same along height and width.</summary>
    public int KernelSize { get; }

    /// <summary>The step between windows; 0, the default, means the kernel size (PyTorch's <c>stride=None</c>).</summary>
    public int Stride { get; set; }

    /// <summary>Padding on each side (padding never wins the maximum), at most half the kernel size. Default 0.</summary>
    public int Padding { get; set; }
}

/// <summary>
/// The mean of each window over each channel, like PyTorch's <c>nn.AvgPool1d(kernelSize)</c> with <c>count_include_pad=True</c>, its default: padding counts as zeros in the mean. The channels pass through; no tensors.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AvgPool1dAttribute : Attribute
{
    /// <summary>Declares the pooling layer.</summary>
    /// <param name="kernelSize">The window's size.</param>
    public AvgPool1dAttribute(int kernelSize) => KernelSize = kernelSize;

    /// <summary>The window's size.</summary>
    public int KernelSize { get; }

    /// <summary>The step between windows; 0, the default, means the kernel size (PyTorch's <c>stride=None</c>).</summary>
    public int Stride { get; set; }

    /// <summary>Padding on each side (zeros that count in the mean), at most half the kernel size. Default 0.</summary>
    public int Padding { get; set; }
}

/// <summary>
/// The mean of each square window over each channel, like PyTorch's <c>nn.AvgPool2d(kernelSize)</c> with <c>count_include_pad=True</c>, its default: padding counts as zeros in the mean. The channels pass through; no tensors.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AvgPool2dAttribute : Attribute
{
    /// <summary>Declares the pooling layer.</summary>
    /// <param name="kernelSize">The window's size, the same along height and width.</param>
    public AvgPool2dAttribute(int kernelSize) => KernelSize = kernelSize;

    /// <summary>The window's size, the same along height and width.</summary>
    public int KernelSize { get; }

    /// <summary>The step between windows; 0, the default, means the kernel size (PyTorch's <c>stride=None</c>).</summary>
    public int Stride { get; set; }

    /// <summary>Padding on each side (zeros that count in the mean), at most half the kernel size. Default 0.</summary>
    public int Padding { get; set; }
}
