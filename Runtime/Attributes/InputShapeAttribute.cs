using System;

namespace StaticNet;

/// <summary>
/// The shape of one input sample, for networks that start with a convolution or pooling layer: (channels, length)
/// like PyTorch's NCL, or (channels, height, width) like NCHW, row-major. It goes on the class beside the layers but
/// is not a layer: it never counts for tensor positions. <c>InputSize</c> is then channels · length or
/// channels · height · width.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class InputShapeAttribute : Attribute
{
    /// <summary>Declares a one-dimensional input of <paramref name="channels"/> × <paramref name="length"/>, for <c>Conv1d</c>.</summary>
    /// <param name="channels">Channels per sample (PyTorch's C).</param>
    /// <param name="length">Values per channel (PyTorch's L).</param>
    public InputShapeAttribute(int channels, int length)
    {
        Channels = channels;
        Length = length;
    }

    /// <summary>Declares a two-dimensional input of <paramref name="channels"/> × <paramref name="height"/> × <paramref name="width"/>, for <c>Conv2d</c>.</summary>
    /// <param name="channels">Channels per sample (PyTorch's C).</param>
    /// <param name="height">Rows per channel (PyTorch's H).</param>
    /// <param name="width">Columns per channel (PyTorch's W).</param>
    public InputShapeAttribute(int channels, int height, int width)
    {
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>Channels per sample.</summary>
    public int Channels { get; }

    /// <summary>Values per channel of a one-dimensional input; 0 for a two-dimensional one.</summary>
    public int Length { get; }

    /// <summary>Rows per channel of a two-dimensional input; 0 for a one-dimensional one.</summary>
    public int Height { get; }

    /// <summary>Columns per channel of a two-dimensional input; 0 for a one-dimensional one.</summary>
    public int Width { get; }
}
