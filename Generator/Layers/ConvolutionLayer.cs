using System.Collections.Generic;
using StaticNet.Generator.Diagnostics;
using StaticNet.Generator.Model;
using StaticNet.Generator.Weights;

namespace StaticNet.Generator.Layers;

/// <summary>
/// <c>[Conv1d(in, out, k)]</c> and <c>[Conv2d(in, out, k)]</c>: a direct convolution like <c>nn.Conv1d</c> /
/// <c>nn.Conv2d</c> with zero padding, a producer like Dense: a BatchNorm right after it folds into its weights at
/// load, an activation right after it runs in its kernel's epilogue.
/// </summary>
/// <param name="SpatialRank">1 for Conv1d (C, L), 2 for Conv2d (C, H, W).</param>
internal sealed record ConvolutionLayer(
    int Position, string? Name, int SpatialRank, int InChannels, int OutChannels, int KernelSize,
    int Stride, int Padding, int Dilation, int Groups, bool HasBias) : LayerSpec(Position, Name)
{
    public static readonly LayerKind Conv1dKind = new("StaticNet.Conv1dAttribute", static (args, position) => Read(args, position, 1));

    public static readonly LayerKind Conv2dKind = new("StaticNet.Conv2dAttribute", static (args, position) => Read(args, position, 2));

    private static ConvolutionLayer? Read(LayerArguments args, int position, int rank)
        => args.Are(typeof(int), typeof(int), typeof(int))
            ? new ConvolutionLayer(
                position, args.Name, rank, (int)args.Positional[0]!, (int)args.Positional[1]!, (int)args.Positional[2]!,
                args.NamedOr("Stride", 1), args.NamedOr("Padding", 0), args.NamedOr("Dilation", 1), args.NamedOr("Groups", 1), args.NamedOr("Bias", true))
            : null;

    private string AttributeName => SpatialRank == 1 ? "Conv1d" : "Conv2d";

    public override string Display
        => DeclarationText.Convolution(AttributeName, InChannels, OutChannels, KernelSize, Stride, Padding, Dilation, Groups, HasBias);

    public override LayerRole Role => LayerRole.Producer;

    /// <summary>Input channels each output channel reads.</summary>
    public int GroupInChannels => Groups > 0 ? InChannels / Groups : 0;

    /// <summary>Kernel taps along each spatial dimension: 1 along the height of a Conv1d.</summary>
    private int KernelHeight => SpatialRank == 2 ? KernelSize : 1;

    /// <summary>Weights per output channel: (in / groups) × k or (in / groups) × k × k.</summary>
    private long WeightsPerOutput => (long)GroupInChannels * KernelHeight * KernelSize;

    private long[] WeightShape => SpatialRank == 2
        ? new long[] { OutChannels, GroupInChannels, KernelSize, KernelSize }
        : new long[] { OutChannels, GroupInChannels, KernelSize };

    public override IEnumerable<(string Name, long[] Shape)> Tensors()
    {
        yield return ($"{TensorPrefix}.weight", WeightShape);
        if (HasBias)
        {
            yield return ($"{TensorPrefix}.bias", new long[] { OutChannels });
        }
    }

    public override long ParameterCount => (OutChannels * WeightsPerOutput) + (HasBias ? OutChannels : 0);

    /// <summary>A multiply-add per weight per output position (taps in the padding counted too, as is usual).</summary>
    public override long FlopPerSample => Output.Rank == SpatialRank + 1 ? 2L * OutChannels * WeightsPerOutput * (Output.Size / OutChannels) : 0;

    public override string? InputShapeHint => SpatialRank == 1 ? $"InputShape({InChannels}, length)" : $"InputShape({InChannels}, height, width)";

    public override LayerProblem? CheckSizes()
    {
        if (CheckPositive(InChannels, OutChannels, KernelSize) is { } problem)
        {
            return problem;
        }

        string? invalid = Stride < 1 ? "Stride must be at least 1"
            : Padding < 0 ? "Padding must be at least 0"
            : Dilation < 1 ? "Dilation must be at least 1"
            : Groups < 1 ? "Groups must be at least 1"
            : InChannels % Groups != 0 || OutChannels % Groups != 0 ? $"Groups ({Groups}) must divide both the input channels ({InChannels}) and the output channels ({OutChannels})"
            : (long)Dilation * (KernelSize - 1) >= MaxFeatures || Padding >= MaxFeatures || Stride >= MaxFeatures ? $"Stride, Padding and Dilation × kernel size must be below {Literals.Grouped(MaxFeatures)}"
            : null;
        if (invalid is not null)
        {
            return LayerProblem.Create(DiagnosticDescriptors.InvalidOption, Display, invalid);
        }

        long weights = OutChannels * WeightsPerOutput;
        return weights > DenseLayer.MaxWeights
            ? LayerProblem.Create(
                DiagnosticDescriptors.SizeTooLarge, Display,
                $"{Literals.Grouped(weights)} weights; at most {Literals.Grouped(DenseLayer.MaxWeights)} per layer are supported")
            : null;
    }

    public override ShapeResult Resolve(TensorShape input)
    {
        string expected = SpatialRank == 1 ? "(N, C, L)" : "(N, C, H, W)";
        if (input.SpatialRank != SpatialRank)
        {
            string fix = input.Rank == 1 ? $"it reads {expected}" : $"it reads {expected}; use {(SpatialRank == 1 ? "Conv2d" : "Conv1d")} for {input.Display}";
            return new(default, LayerProblem.Create(DiagnosticDescriptors.LayerCannotFollow, Display, input.Display, fix));
        }

        // With the wrong channels the spatial shape is still known, so the layers after it are checked too.
        LayerProblem? channels = input.Channels == InChannels
            ? null
            : LayerProblem.Create(DiagnosticDescriptors.ChannelsDoNotChain, Display, Literals.Int(InChannels), Literals.Int(input.Channels), input.Display);
        return SpatialOutput(input, OutChannels, KernelSize, Stride, Padding, Dilation, Display, out TensorShape output) is { } problem
            ? new(default, channels ?? problem)
            : new(output, channels);
    }

    /// <summary>
    /// PyTorch's output size along each spatial dimension, ⌊(n + 2·padding − dilation·(k − 1) − 1) / stride⌋ + 1,
    /// or SNN031 when the window is larger than the padded input.
    /// </summary>
    internal static LayerProblem? SpatialOutput(TensorShape input, int channels, int kernel, int stride, int padding, int dilation, string display, out TensorShape output)
    {
        long window = ((long)dilation * (kernel - 1)) + 1;
        var dimensions = new int[input.Rank];
        dimensions[0] = channels;
        for (int d = 1; d < input.Rank; d++)
        {
            long padded = input.Dimensions[d] + (2L * padding);
            if (window > padded)
            {
                output = default;
                string windowText = input.Rank == 2 ? Literals.Int(window) : $"{window}×{window}";
                string paddedText = input.Rank == 2 ? Literals.Int(padded) : $"{input.Dimensions[1] + (2L * padding)}×{input.Dimensions[2] + (2L * padding)}";
                return LayerProblem.Create(DiagnosticDescriptors.KernelLargerThanInput, display, windowText, paddedText, input.Display);
            }

            dimensions[d] = (int)(((padded - window) / stride) + 1);
        }

        output = TensorShape.Of(dimensions);
        return null;
    }

    public override bool Folds(LayerSpec next) => next is BatchNormLayer;

    public override bool TakesEpilogue(LayerSpec next) => next.Role is LayerRole.Activation;

    public override string ProducerWeightsType => $"{Emit.Names.Kernels}.ConvolutionWeights";

    public override IEnumerable<string> LoadProducer(string local, LayerSpec? folded)
    {
        string weight = $"file.ReadTensor({Literals.String(TensorPrefix + ".weight")}, {string.Join(", ", WeightShape)})";
        string bias = HasBias ? $"file.ReadTensor({Literals.String(TensorPrefix + ".bias")}, {OutChannels})" : "default";
        string sizes = $"outChannels: {OutChannels}, weightsPerOutput: {WeightsPerOutput}, groups: {Groups}";
        if (folded is BatchNormLayer bn)
        {
            yield return $"// Layer {Position}, {Display}, with layer {bn.Position}, {bn.Display}, folded into its weights.";
            yield return $"var {local} = {Emit.Names.Kernels}.ConvolutionWeights.PackWithBatchNorm(";
            yield return $"    {weight},";
            yield return $"    {bias},";
            yield return $"    {sizes},";
            yield return $"    {bn.ReadParameters});";
        }
        else
        {
            yield return $"// Layer {Position}, {Display}.";
            yield return $"var {local} = {Emit.Names.Kernels}.ConvolutionWeights.Pack(";
            yield return $"    {weight},";
            yield return $"    {bias},";
            yield return $"    {sizes});";
        }
    }

    public override string ProducerCall(string source, string target, string rows, string field, LayerSpec? epilogue, bool prefetch)
        => $"{Emit.Names.Kernels}.ConvolutionKernel.Forward<{ShapeName}, {(epilogue as ActivationLayer)?.ActivationType ?? $"{Emit.Names.Kernels}.IdentityActivation"}>({source}, {target}, {rows}, {field});";

    /// <summary>The generated struct that carries this layer's sizes to the kernel as constants.</summary>
    public string ShapeName => $"Layer{Position}Shape";

    public override IEnumerable<string> TypeMembers()
    {
        bool twoD = SpatialRank == 2;
        int inHeight = twoD ? Input.Dimensions[1] : 1;
        int inWidth = Input.Dimensions[twoD ? 2 : 1];
        int outHeight = twoD ? Output.Dimensions[1] : 1;
        int outWidth = Output.Dimensions[twoD ? 2 : 1];
        yield return $"private readonly struct {ShapeName} : {Emit.Names.Kernels}.IConvolutionShape {{ "
            + $"public static int InChannels => {InChannels}; public static int OutChannels => {OutChannels}; public static int Groups => {Groups}; "
            + $"public static int InHeight => {inHeight}; public static int InWidth => {inWidth}; public static int OutHeight => {outHeight}; public static int OutWidth => {outWidth}; "
            + $"public static int KernelHeight => {KernelHeight}; public static int KernelWidth => {KernelSize}; "
            + $"public static int StrideHeight => {(twoD ? Stride : 1)}; public static int StrideWidth => {Stride}; "
            + $"public static int PaddingHeight => {(twoD ? Padding : 0)}; public static int PaddingWidth => {Padding}; "
            + $"public static int DilationHeight => {(twoD ? Dilation : 1)}; public static int DilationWidth => {Dilation}; }}";
    }
}
