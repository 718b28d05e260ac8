using System.Collections.Generic;
using StaticNet.Generator.Diagnostics;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Layers;

/// <summary><c>[Dense(inputs, outputs)]</c>: y = x·Wᵀ + b, like <c>nn.Linear</c>; the producer other layers fuse into.</summary>
/// <param name="DeclaredFormat">The layer's own <c>Format</c> argument (a <c>StaticNet.WeightFormat</c> value), or null.</param>
internal sealed record DenseLayer(int Position, string? Name, int Inputs, int Outputs, bool HasBias, int? DeclaredFormat = null) : LayerSpec(Position, Name)
{
    /// <summary>Weights per layer at most, so a layer's packed weights fit one .NET array with room for padding.</summary>
    internal const long MaxWeights = 1L << 30;

    /// <summary>Inputs per layer at most in <c>WeightFormat.Int8Dynamic</c> (the runtime's <c>Int8DynamicWeights.MaxInputs</c>).</summary>
    internal const int MaxInt8DynamicInputs = 1 << 17;

    public static readonly LayerKind Kind = new("StaticNet.DenseAttribute", static (args, position)
        => args.Are(typeof(int), typeof(int))
            ? new DenseLayer(position, args.Name, (int)args.Positional[0]!, (int)args.Positional[1]!, args.NamedOr("Bias", true), args.Named.TryGetValue("Format", out object? format) ? format as int? : null)
            : null);

    /// <summary>How the weights are stored: the layer's own <c>Format</c>, else the network's <c>[WeightFormat]</c>, else float32.</summary>
    public StoredFormat Format { get; init; } = StoredFormat.Float32;

    public override string Display => $"Dense({Inputs}, {Outputs}{(HasBias ? string.Empty : ", Bias = false")})";

    public override LayerRole Role => LayerRole.Producer;

    public override IEnumerable<(string Name, long[] Shape)> Tensors()
    {
        yield return ($"{TensorPrefix}.weight", new long[] { Outputs, Inputs });
        if (HasBias)
        {
            yield return ($"{TensorPrefix}.bias", new long[] { Outputs });
        }
    }

    public override long ParameterCount => ((long)Inputs * Outputs) + (HasBias ? Outputs : 0);

    public override long FlopPerSample => 2L * Inputs * Outputs;

    public override TensorShape? DeclaredInput => TensorShape.Features(Inputs);

    public override IEnumerable<LayerProblem> CheckOptions(int index, int count)
    {
        if (DeclaredFormat is { } format && !StoredFormats.IsDefined(format))
        {
            yield return LayerProblem.Create(
                DiagnosticDescriptors.InvalidOption, Display, $"Format = {Literals.Int(format)} is not a WeightFormat; use WeightFormat.Float32, BFloat16, Int8 or Int8Dynamic");
        }

        if (Format == StoredFormat.Int8Dynamic && Inputs > MaxInt8DynamicInputs)
        {
            // int32 sums of products of at most 127 · 128 are exact up to this many inputs (2¹⁷ · 16,256 < 2³¹).
            yield return LayerProblem.Create(
                DiagnosticDescriptors.InvalidOption, Display, $"WeightFormat.Int8Dynamic sums in int32, exactly for at most {Literals.Grouped(MaxInt8DynamicInputs)} inputs; this layer has {Literals.Grouped(Inputs)}");
        }
    }

    public override LayerProblem? CheckSizes()
    {
        if (CheckPositive(Inputs, Outputs) is { } problem)
        {
            return problem;
        }

        long weights = (long)Inputs * Outputs;
        return weights > MaxWeights
            ? LayerProblem.Create(
                DiagnosticDescriptors.SizeTooLarge, Display,
                $"{Literals.Grouped(weights)} weights; at most {Literals.Grouped(MaxWeights)} per layer are supported")
            : null;
    }

    public override ShapeResult Resolve(TensorShape input)
        => new(
            TensorShape.Features(Outputs),
            input.Rank > 1 ? LayerProblem.Create(DiagnosticDescriptors.LayerCannotFollow, Display, input.Display, $"it reads features; put Flatten before it (giving {input.Describe})")
            : input.Size == Inputs ? null
            : LayerProblem.Create(DiagnosticDescriptors.SizesDoNotChain, Display, Literals.Int(Inputs), input.Describe));

    public override bool Folds(LayerSpec next) => next is BatchNormLayer;

    public override bool TakesEpilogue(LayerSpec next) => next.Role is LayerRole.Activation or LayerRole.Softmax;

    public override string ProducerWeightsType => $"{Emit.Names.Kernels}.DenseWeights";

    public override IEnumerable<string> LoadProducer(string local, LayerSpec? folded)
    {
        string weightName = Literals.String(TensorPrefix + ".weight");
        string weight = StoredFormats.IsInt8(Format)
            ? $"global::StaticNet.Weights.QuantizedTensors.{(folded is null ? "ReadInt8" : "ReadFloat")}(file, {weightName}, {Outputs}, {Inputs}, layout)"
            : $"global::StaticNet.Weights.TensorSourceExtensions.ReadMatrix(file, {weightName}, {Outputs}, {Inputs}, layout)";
        string bias = HasBias ? $"file.ReadTensor({Literals.String(TensorPrefix + ".bias")}, {Outputs})" : "default";
        string format = Format == StoredFormat.Float32 ? string.Empty : $", format: {StoredFormats.EnumMember(Format)}";
        string stored = Format == StoredFormat.Float32 ? string.Empty : $", weights stored as {StoredFormats.Describe(Format)}";
        if (folded is BatchNormLayer bn)
        {
            yield return $"// Layer {Position}, {Display}, with layer {bn.Position}, {bn.Display}, folded into its weights{(Format == StoredFormat.Float32 ? string.Empty : " before they are converted")}{stored}.";
            yield return $"var {local} = {Emit.Names.Kernels}.DenseWeights.PackWithBatchNorm(";
            yield return $"    {weight},";
            yield return $"    {bias},";
            yield return $"    inputs: {Inputs}, outputs: {Outputs},";
            yield return $"    {bn.ReadParameters}{format});";
        }
        else
        {
            yield return $"// Layer {Position}, {Display}{stored}.";
            yield return $"var {local} = {Emit.Names.Kernels}.DenseWeights.Pack(";
            yield return $"    {weight},";
            yield return $"    {bias},";
            yield return $"    inputs: {Inputs}, outputs: {Outputs}{(Format is StoredFormat.BFloat16 or StoredFormat.Int8Dynamic ? format : string.Empty)});";
        }
    }

    /// <remarks>A softmax epilogue is <c>DenseKernel.ForwardSoftmax</c>; an activation is the kernel's type argument.</remarks>
    public override string ProducerCall(string source, string target, string rows, string field, LayerSpec? epilogue, bool prefetch)
    {
        string upcoming = prefetch ? ", upcoming" : string.Empty;
        string suffix = StoredFormats.KernelSuffix(Format);
        return epilogue is SoftmaxLayer
            ? $"{Emit.Names.Kernels}.DenseKernel.ForwardSoftmax{suffix}<{ShapeName}>({source}, {target}, {rows}, {field}{upcoming});"
            : $"{Emit.Names.Kernels}.DenseKernel.Forward{suffix}<{ShapeName}, {(epilogue as ActivationLayer)?.ActivationType ?? $"{Emit.Names.Kernels}.IdentityActivation"}>({source}, {target}, {rows}, {field}{upcoming});";
    }

    /// <summary>The generated struct that carries this layer's sizes to the kernel as constants.</summary>
    public string ShapeName => $"Layer{Position}Shape";

    public override IEnumerable<string> TypeMembers()
    {
        yield return $"private readonly struct {ShapeName} : {Emit.Names.Kernels}.IDenseShape {{ public static int Inputs => {Inputs}; public static int Outputs => {Outputs}; }}";
    }
}

/// <summary>The generator's copy of <c>StaticNet.WeightFormat</c> (the runtime's enum is not referenced by the generator).</summary>
internal enum StoredFormat
{
    /// <summary><c>WeightFormat.Float32</c> = 0.</summary>
    Float32 = 0,

    /// <summary><c>WeightFormat.BFloat16</c> = 1.</summary>
    BFloat16 = 1,

    /// <summary><c>WeightFormat.Int8</c> = 2.</summary>
    Int8 = 2,

    /// <summary><c>WeightFormat.Int8Dynamic</c> = 3.</summary>
    Int8Dynamic = 3,
}

/// <summary>What the generated code says about each <see cref="StoredFormat"/>.</summary>
internal static class StoredFormats
{
    public const string AttributeName = "StaticNet.WeightFormatAttribute";

    public static bool IsDefined(int value) => value is >= 0 and <= 3;

    /// <summary>True for the formats that store int8 weights with a scale per output (the same tensors, the same files).</summary>
    public static bool IsInt8(StoredFormat format) => format is StoredFormat.Int8 or StoredFormat.Int8Dynamic;

    public static string EnumMember(StoredFormat format) => $"global::StaticNet.WeightFormat.{format}";

    /// <summary>The format's short name: float32, bfloat16 or int8.</summary>
    public static string Name(StoredFormat format) => format switch { StoredFormat.BFloat16 => "bfloat16", StoredFormat.Int8 => "int8", StoredFormat.Int8Dynamic => "int8 with int8 inputs", _ => "float32" };

    public static string Describe(StoredFormat format)
        => format switch
        {
            StoredFormat.BFloat16 => "bfloat16",
            StoredFormat.Int8 => "int8 with one scale per output",
            StoredFormat.Int8Dynamic => "int8 with one scale per output, inputs quantised to int8 per row",
            _ => "float32",
        };

    /// <summary>The suffix of the <c>DenseKernel</c> entry points for the format: <c>Forward</c>, <c>ForwardBFloat16</c>, <c>ForwardInt8</c>, <c>ForwardInt8Dynamic</c>.</summary>
    public static string KernelSuffix(StoredFormat format) => format == StoredFormat.Float32 ? string.Empty : format.ToString();
}
