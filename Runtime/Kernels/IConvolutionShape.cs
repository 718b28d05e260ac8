using System.ComponentModel;

namespace StaticNet.Kernels;

/// <summary>
/// The sizes of one convolution or pooling layer, as compile-time constants (see <see cref="IDenseShape"/> for why
/// they are types). A one-dimensional layer is a two-dimensional one of height 1: <see cref="InHeight"/>,
/// <see cref="OutHeight"/>, <see cref="KernelHeight"/>, <see cref="StrideHeight"/> and <see cref="DilationHeight"/>
/// are 1 and <see cref="PaddingHeight"/> 0. A pooling layer is one group per channel. Exists for generated code, which
/// implements it with one struct per layer; not meant to be used directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IConvolutionShape
{
    /// <summary>Channels per sample read (C_in).</summary>
    static abstract int InChannels { get; }

    /// <summary>Channels per sample written (C_out).</summary>
    static abstract int OutChannels { get; }

    /// <summary>Channel groups; each output channel reads InChannels / Groups input channels.</summary>
    static abstract int Groups { get; }

    /// <summary>Rows of each input channel (1 for one dimension).</summary>
    static abstract int InHeight { get; }

    /// <summary>Columns of each input channel (its length, for one dimension).</summary>
    static abstract int InWidth { get; }

    /// <summary>Rows of each output channel.</summary>
    static abstract int OutHeight { get; }

    /// <summary>Columns of each output channel.</summary>
    static abstract int OutWidth { get; }

    /// <summary>Kernel taps along the height.</summary>
    static abstract int KernelHeight { get; }

    /// <summary>Kernel taps along the width.</summary>
    static abstract int KernelWidth { get; }

    /// <summary>Step between output rows, in input rows.</summary>
    static abstract int StrideHeight { get; }

    /// <summary>Step between output columns, in input columns.</summary>
    static abstract int StrideWidth { get; }

    /// <summary>Zero rows above and below the input.</summary>
    static abstract int PaddingHeight { get; }

    /// <summary>Zero columns left and right of the input.</summary>
    static abstract int PaddingWidth { get; }

    /// <summary>Input rows between kernel taps.</summary>
    static abstract int DilationHeight { get; }

    /// <summary>Input columns between kernel taps.</summary>
    static abstract int DilationWidth { get; }
}
