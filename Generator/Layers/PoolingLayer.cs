using System.Collections.Generic;
using StaticNet.Generator.Diagnostics;
using StaticNet.Generator.Model;
using StaticNet.Generator.Weights;

namespace StaticNet.Generator.Layers;

/// <summary>
/// <c>[MaxPool1d(k)]</c>, <c>[MaxPool2d(k)]</c>, <c>[AvgPool1d(k)]</c>, <c>[AvgPool2d(k)]</c>: the maximum or mean of
/// each window of each channel, like <c>nn.MaxPool1d/2d</c> and <c>nn.AvgPool1d/2d</c> (padding counted in the mean,
/// PyTorch's default). It reads one buffer and writes a smaller one, so it is a producer without weights.
/// </summary>
/// <param name="Stride">The step between windows; 0 means the kernel size, as PyTorch's <c>stride=None</c>.</param>
internal sealed record PoolingLayer(int Position, string? Name, int SpatialRank, bool IsMax, int KernelSize, int Stride, int Padding) : LayerSpec(Position, Name)
{
    public static readonly LayerKind MaxPool1dKind = new("StaticNet.MaxPool1dAttribute", static (args, position) => Read(args, position, 1, isMax: true));

    public static readonly LayerKind MaxPool2dKind = new("StaticNet.MaxPool2dAttribute", static (args, position) => Read(args, position, 2, isMax: true));

    public static readonly LayerKind AvgPool1dKind = new("StaticNet.AvgPool1dAttribute", static (args, position) => Read(args, position, 1, isMax: false));

    public static readonly LayerKind AvgPool2dKind = new("StaticNet.AvgPool2dAttribute", static (args, position) => Read(args, position, 2, isMax: false));

    private static PoolingLayer? Read(LayerArguments args, int position, int rank, bool isMax)
        => args.Are(typeof(int))
            ? new PoolingLayer(position, args.Name, rank, isMax, (int)args.Positional[0]!, args.NamedOr("Stride", 0), args.NamedOr("Padding", 0))
            : null;

    private string AttributeName => (IsMax ? "MaxPool" : "AvgPool") + (SpatialRank == 1 ? "1d" : "2d");

    /// <summary>The stride in effect.</summary>
    public int Step => Stride == 0 ? KernelSize : Stride;

    public override string Display
        => DeclarationText.Pooling(AttributeName, KernelSize, Step, Padding);

    public override LayerRole Role => LayerRole.Producer;

    public override bool ProducerHasWeights => false;

    public override string? InputShapeHint => SpatialRank == 1 ? "InputShape(channels, length)" : "InputShape(channels, height, width)";

    public override LayerProblem? CheckSizes()
    {
        if (CheckPositive(KernelSize) is { } problem)
        {
            return problem;
        }

        string? invalid = Stride < 0 ? "Stride must be at least 1 (or 0, the default, for the kernel size)"
            : Stride >= MaxFeatures ? $"Stride must be below {Literals.Grouped(MaxFeatures)}"
            : Padding < 0 ? "Padding must be at least 0"
            : Padding > KernelSize / 2 ? $"Padding ({Padding}) must be at most half the kernel size ({KernelSize}), as PyTorch requires"
            : null;
        return invalid is null ? null : LayerProblem.Create(DiagnosticDescriptors.InvalidOption, Display, invalid);
    }

    public override ShapeResult Resolve(TensorShape input)
    {
        if (input.SpatialRank != SpatialRank)
        {
            string expected = SpatialRank == 1 ? "(N, C, L)" : "(N, C, H, W)";
            return new(default, LayerProblem.Create(DiagnosticDescriptors.LayerCannotFollow, Display, input.Display, $"it reads {expected}"));
        }

        return ConvolutionLayer.SpatialOutput(input, input.Channels, KernelSize, Step, Padding, dilation: 1, Display, out TensorShape output) is { } problem
            ? new(default, problem)
            : new(output, null);
    }

    public override string ProducerCall(string source, string target, string rows, string field, LayerSpec? epilogue, bool prefetch)
        => $"{Emit.Names.Kernels}.PoolingKernel.{(IsMax ? "Max" : "Average")}<{ShapeName}>({source}, {target}, {rows});";

    /// <summary>The generated struct that carries this layer's sizes to the kernel as constants.</summary>
    public string ShapeName => $"Layer{Position}Shape";

    /// <remarks>A pool's window is a depthwise convolution's: the same shape contract, one group per channel, no dilation.</remarks>
    public override IEnumerable<string> TypeMembers()
    {
        bool twoD = SpatialRank == 2;
        int channels = Input.Dimensions[0];
        yield return $"private readonly struct {ShapeName} : {Emit.Names.Kernels}.IConvolutionShape {{ "
            + $"public static int InChannels => {channels}; public static int OutChannels => {channels}; public static int Groups => {channels}; "
            + $"public static int InHeight => {(twoD ? Input.Dimensions[1] : 1)}; public static int InWidth => {Input.Dimensions[twoD ? 2 : 1]}; "
            + $"public static int OutHeight => {(twoD ? Output.Dimensions[1] : 1)}; public static int OutWidth => {Output.Dimensions[twoD ? 2 : 1]}; "
            + $"public static int KernelHeight => {(twoD ? KernelSize : 1)}; public static int KernelWidth => {KernelSize}; "
            + $"public static int StrideHeight => {(twoD ? Step : 1)}; public static int StrideWidth => {Step}; "
            + $"public static int PaddingHeight => {(twoD ? Padding : 0)}; public static int PaddingWidth => {Padding}; "
            + "public static int DilationHeight => 1; public static int DilationWidth => 1; }";
    }
}
