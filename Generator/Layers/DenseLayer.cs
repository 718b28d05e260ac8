using System.Collections.Generic;
using StaticNet.Generator.Diagnostics;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Layers;

/// <summary><c>[Dense(inputs, outputs)]</c>: y = x·Wᵀ + b, like <c>nn.Linear</c>; the producer other layers fuse into.</summary>
internal sealed record DenseLayer(int Position, string? Name, int Inputs, int Outputs, bool HasBias) : LayerSpec(Position, Name)
{
    /// <summary>Weights per layer at most, so a layer's packed weights fit one .NET array with room for padding.</summary>
    internal const long MaxWeights = 1L << 30;

    public static readonly LayerKind Kind = new("StaticNet.DenseAttribute", static (args, position)
        => args.Are(typeof(int), typeof(int))
            ? new DenseLayer(position, args.Name, (int)args.Positional[0]!, (int)args.Positional[1]!, args.NamedOr("Bias", true))
            : null);

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
        string weight = $"global::StaticNet.Weights.TensorSourceExtensions.ReadMatrix(file, {Literals.String(TensorPrefix + ".weight")}, {Outputs}, {Inputs}, layout)";
        string bias = HasBias ? $"file.ReadTensor({Literals.String(TensorPrefix + ".bias")}, {Outputs})" : "default";
        if (folded is BatchNormLayer bn)
        {
            yield return $"// Layer {Position}, {Display}, with layer {bn.Position}, {bn.Display}, folded into its weights.";
            yield return $"var {local} = {Emit.Names.Kernels}.DenseWeights.PackWithBatchNorm(";
            yield return $"    {weight},";
            yield return $"    {bias},";
            yield return $"    inputs: {Inputs}, outputs: {Outputs},";
            yield return $"    {bn.ReadParameters});";
        }
        else
        {
            yield return $"// Layer {Position}, {Display}.";
            yield return $"var {local} = {Emit.Names.Kernels}.DenseWeights.Pack(";
            yield return $"    {weight},";
            yield return $"    {bias},";
            yield return $"    inputs: {Inputs}, outputs: {Outputs});";
        }
    }

    /// <remarks>A softmax epilogue is <c>DenseKernel.ForwardSoftmax</c>; an activation is the kernel's type argument.</remarks>
    public override string ProducerCall(string source, string target, string rows, string field, LayerSpec? epilogue, bool prefetch)
    {
        string upcoming = prefetch ? ", upcoming" : string.Empty;
        return epilogue is SoftmaxLayer
            ? $"{Emit.Names.Kernels}.DenseKernel.ForwardSoftmax<{ShapeName}>({source}, {target}, {rows}, {field}{upcoming});"
            : $"{Emit.Names.Kernels}.DenseKernel.Forward<{ShapeName}, {(epilogue as ActivationLayer)?.ActivationType ?? $"{Emit.Names.Kernels}.IdentityActivation"}>({source}, {target}, {rows}, {field}{upcoming});";
    }

    /// <summary>The generated struct that carries this layer's sizes to the kernel as constants.</summary>
    public string ShapeName => $"Layer{Position}Shape";

    public override IEnumerable<string> TypeMembers()
    {
        yield return $"private readonly struct {ShapeName} : {Emit.Names.Kernels}.IDenseShape {{ public static int Inputs => {Inputs}; public static int Outputs => {Outputs}; }}";
    }
}
