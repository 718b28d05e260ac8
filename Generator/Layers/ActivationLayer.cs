using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using StaticNet.Generator.Diagnostics;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Layers;

/// <summary>
/// An element-wise activation: which attribute declares it, the run-time struct that computes it (an
/// <c>IActivation</c> in <c>Runtime/Kernels</c>, with scalar and vector forms that agree bit for bit) and its float
/// parameters, each passed to that struct as a generated constant type.
/// </summary>
/// <param name="Attribute">The attribute's short name, e.g. <c>LeakyReLU</c>; also how the summary shows it.</param>
/// <param name="RuntimeType">The kernel struct, e.g. <c>LeakyReLUActivation</c>; generic over one constant type per parameter.</param>
/// <param name="Parameters">The constructor parameters, in order, e.g. <c>Slope</c>.</param>
internal sealed record ActivationFunction(string Attribute, string RuntimeType, EquatableArray<string> Parameters)
{
    public ActivationFunction(string attribute, string runtimeType, params string[] parameters)
        : this(attribute, runtimeType, new EquatableArray<string>(parameters))
    {
    }

    /// <summary>An extra check of the parameter values beyond "finite"; null when they are fine.</summary>
    public Func<float[], string?>? Check { get; init; }
}

/// <summary>
/// Every element-wise activation layer: after a producer it runs in the producer's epilogue while the values are in
/// registers; elsewhere in place. Adding one is its function, its kind and their entries in <see cref="Functions"/> and
/// <see cref="Kinds"/>, all here, and one <c>IActivation</c> struct in the runtime.
/// </summary>
internal sealed record ActivationLayer(int Position, string? Name, ActivationFunction Function, EquatableArray<float> Arguments) : LayerSpec(Position, Name)
{
    private static readonly ActivationFunction ReLUFunction = new("ReLU", "ReLUActivation");

    private static readonly ActivationFunction LeakyReLUFunction = new("LeakyReLU", "LeakyReLUActivation", "Slope");

    private static readonly ActivationFunction SigmoidFunction = new("Sigmoid", "SigmoidActivation");

    private static readonly ActivationFunction TanhFunction = new("Tanh", "TanhActivation");

    private static readonly ActivationFunction SiLUFunction = new("SiLU", "SiLUActivation");

    private static readonly ActivationFunction ELUFunction = new("ELU", "EluActivation", "Alpha");

    private static readonly ActivationFunction SoftplusFunction = new("Softplus", "SoftplusActivation", "Beta", "Threshold")
    {
        Check = static values => values[0] > 0f ? null : "Beta must be greater than 0",
    };

    /// <summary>GELU with PyTorch's exact (erf) form.</summary>
    private static readonly ActivationFunction GeluErf = new("GELU", "GeluActivation");

    /// <summary>GELU with <c>approximate='tanh'</c>.</summary>
    private static readonly ActivationFunction GeluTanh = new("GELU", "GeluTanhActivation");

    /// <summary>Every activation function; the generated names of their parameters' constants come from here too.</summary>
    public static readonly ImmutableArray<ActivationFunction> Functions = ImmutableArray.Create(
        ReLUFunction, LeakyReLUFunction, SigmoidFunction, TanhFunction, GeluErf, GeluTanh, SiLUFunction, ELUFunction, SoftplusFunction);

    public static readonly LayerKind ReLU = Simple(ReLUFunction);

    public static readonly LayerKind LeakyReLU = Simple(LeakyReLUFunction);

    public static readonly LayerKind Sigmoid = Simple(SigmoidFunction);

    public static readonly LayerKind Tanh = Simple(TanhFunction);

    public static readonly LayerKind SiLU = Simple(SiLUFunction);

    public static readonly LayerKind ELU = Simple(ELUFunction);

    public static readonly LayerKind Softplus = Simple(SoftplusFunction);

    /// <summary><c>[GELU]</c> or <c>[GELU(Approximate = "tanh")]</c>: one attribute, two functions, as in <c>nn.GELU</c>.</summary>
    public static readonly LayerKind GELU = new("StaticNet.GELUAttribute", static (args, position)
        => args.Are() && args.NamedOr<string?>("Approximate", "none") is { } approximate
            ? new ActivationLayer(position, args.Name, approximate == "tanh" ? GeluTanh : GeluErf, EquatableArray<float>.Empty) { Approximate = approximate }
            : null);

    /// <summary>Every activation kind, in the order <see cref="LayerKinds.All"/> lists them; a new activation is one more field above and one more entry here.</summary>
    public static readonly ImmutableArray<LayerKind> Kinds = ImmutableArray.Create(ReLU, LeakyReLU, Sigmoid, Tanh, GELU, SiLU, ELU, Softplus);

    /// <summary>GELU's <c>Approximate</c> as written, so an unknown value can be reported; null for other activations.</summary>
    public string? Approximate { get; init; }

    public override string Display
        => Approximate is { } approximate && approximate != "none"
            ? $"{Function.Attribute}(Approximate = {Literals.String(approximate)})"
            : Arguments.Count == 0 ? Function.Attribute : $"{Function.Attribute}({string.Join(", ", Arguments.Select(Literals.Float))})";

    public override LayerRole Role => LayerRole.Activation;

    public override IEnumerable<LayerProblem> CheckOptions(int index, int count)
    {
        for (int i = 0; i < Arguments.Count; i++)
        {
            if (float.IsNaN(Arguments[i]) || float.IsInfinity(Arguments[i]))
            {
                yield return LayerProblem.Create(
                    DiagnosticDescriptors.InvalidOption, Function.Attribute, $"the {Function.Parameters[i].ToLowerInvariant()} must be a finite number");
                yield break;
            }
        }

        if (Function.Check?.Invoke(Arguments.ToArray()) is { } problem)
        {
            yield return LayerProblem.Create(DiagnosticDescriptors.InvalidOption, Display, problem);
        }

        if (Approximate is not (null or "none" or "tanh"))
        {
            yield return LayerProblem.Create(DiagnosticDescriptors.InvalidOption, Display, "Approximate must be \"none\" or \"tanh\", as in nn.GELU");
        }
    }

    /// <summary>The kernel struct with its constants, e.g. <c>global::StaticNet.Kernels.LeakyReLUActivation&lt;Layer3Slope&gt;</c>.</summary>
    public string ActivationType
        => Arguments.Count == 0
            ? $"{Emit.Names.Kernels}.{Function.RuntimeType}"
            : $"{Emit.Names.Kernels}.{Function.RuntimeType}<{string.Join(", ", Function.Parameters.Select(ConstantName))}>";

    public override IEnumerable<string> TypeMembers()
        => Function.Parameters.Select((parameter, i)
            => $"private readonly struct {ConstantName(parameter)} : {Emit.Names.Kernels}.IFloatConstant {{ public static float Value => {Literals.Float(Arguments[i])}; }}");

    public override string ApplyInPlace(string target, string field) => $"{Emit.Names.Kernels}.ElementwiseKernel.Apply<{ActivationType}>({target});";

    private string ConstantName(string parameter) => $"Layer{Position}{parameter}";

    /// <summary>An activation whose constructor takes its parameters as floats, in order (defaults filled in by the compiler).</summary>
    private static LayerKind Simple(ActivationFunction function)
        => new($"StaticNet.{function.Attribute}Attribute", (args, position)
            => args.Are(function.Parameters.Select(_ => typeof(float)).ToArray())
                ? new ActivationLayer(position, args.Name, function, new EquatableArray<float>(args.Positional.Cast<float>()))
                : null);
}
