using Microsoft.CodeAnalysis;

namespace StaticNet.Generator.Diagnostics;

/// <summary>
/// Every diagnostic the generator reports, declared once with a stable ID. IDs are never reused; each has a
/// section in docs/diagnostics.md (the help link) and a test that checks its ID and location.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "StaticNet";
    private const string HelpLinkBase = "https://github.com/staticnet/staticnet/blob/main/docs/diagnostics.md#";

    public static readonly DiagnosticDescriptor NotPartial = Error(
        "SNN001",
        "Network class must be partial",
        "The network class '{0}' must be declared partial so StaticNet can generate its members");

    public static readonly DiagnosticDescriptor SizesDoNotChain = Error(
        "SNN002",
        "Layer sizes do not chain",
        "{0} expects {1} input features, but the layer before it produces {2}; make the sizes agree");

    public static readonly DiagnosticDescriptor NonPositiveSize = Error(
        "SNN003",
        "Layer size must be positive",
        "{0} has a size of {1}; every size must be at least 1");

    public static readonly DiagnosticDescriptor NoDenseLayer = Error(
        "SNN004",
        "Network has no Dense or convolution layer",
        "The network '{0}' has no Dense or convolution layer; declare at least one [Dense], [Conv1d] or [Conv2d] so it has weights and sizes");

    public static readonly DiagnosticDescriptor BatchNormWidth = Error(
        "SNN005",
        "Normalisation width does not match its input",
        "{0} normalises {1} features, but the layer before it produces {2}");

    public static readonly DiagnosticDescriptor DropoutProbability = Error(
        "SNN006",
        "Dropout probability out of range",
        "Dropout({0}) is invalid: the probability must be at least 0 and less than 1");

    public static readonly DiagnosticDescriptor SoftmaxNotLast = Warning(
        "SNN007",
        "Softmax is not the last layer",
        "Softmax at position {0} is followed by other layers; Softmax is normally the last layer of a classifier");

    public static readonly DiagnosticDescriptor UnsupportedType = Error(
        "SNN008",
        "Unsupported network class",
        "The network class '{0}' is {1}; StaticNet networks must be non-generic, non-static, non-abstract top-level classes without a primary constructor");

    public static readonly DiagnosticDescriptor InvalidArguments = Error(
        "SNN009",
        "Layer arguments must be constants",
        "The arguments of {0} could not be read; pass constant values of the declared types (for example [Dense(784, 128)])");

    public static readonly DiagnosticDescriptor LayersOnSeveralDeclarations = Error(
        "SNN010",
        "Layers are declared on several partial declarations",
        "The layers of '{0}' are declared on more than one partial declaration; put every layer attribute on one declaration, because their order across declarations is not defined");

    public static readonly DiagnosticDescriptor SizeTooLarge = Error(
        "SNN011",
        "Network too large",
        "{0} is too large: {1}");

    public static readonly DiagnosticDescriptor InvalidOption = Error(
        "SNN012",
        "Invalid layer option",
        "{0}: {1}");

    public static readonly DiagnosticDescriptor MemberNameTaken = Error(
        "SNN013",
        "Member conflicts with a generated member",
        "{0} conflicts with {1}, which StaticNet generates for the network '{2}'; {3}");

    public static readonly DiagnosticDescriptor ClassNameTaken = Error(
        "SNN014",
        "Network class name conflicts with the generated code",
        "The network class '{0}' has the name of {1}; rename the class");

    public static readonly DiagnosticDescriptor BaseClassNotSupported = Error(
        "SNN015",
        "Network base class not supported",
        "The network class '{0}' cannot derive from '{1}': {2}");

    public static readonly DiagnosticDescriptor WeightsFileNotFound = Error(
        "SNN020",
        "Weights file not found",
        "The weights file '{0}' is not an AdditionalFiles item of this project; add <AdditionalFiles Include=\"{0}\" /> to the project file");

    public static readonly DiagnosticDescriptor WeightsMismatch = Error(
        "SNN021",
        "Weights do not fit the network",
        "The weights file '{0}' does not fit the network: {1}");

    public static readonly DiagnosticDescriptor WeightsUnreadable = Error(
        "SNN022",
        "Weights file is corrupt",
        "The weights file '{0}' could not be read: {1}");

    public static readonly DiagnosticDescriptor WeightsBuildStepMissing = Error(
        "SNN023",
        "StaticNet's build step did not run",
        "The weights file '{0}' is an AdditionalFiles item, but StaticNet's build step did not hand it to the generator; with project references instead of the StaticNet package, add <Import Project=\"path/to/Runtime/build/StaticNet.targets\" /> to the project file");

    public static readonly DiagnosticDescriptor OnnxGraphMismatch = Error(
        "SNN024",
        "ONNX graph does not match the declared layers",
        "The ONNX model '{0}' does not match the declared layers: {1}");

    public static readonly DiagnosticDescriptor WeightsTransposed = Error(
        "SNN025",
        "Weight matrix looks transposed",
        "The weights file '{0}' holds a Dense weight in the other layout: {1}");

    public static readonly DiagnosticDescriptor ChannelsDoNotChain = Error(
        "SNN030",
        "Channels do not chain",
        "{0} expects {1} input channels, but the layer before it produces {2} channels, {3}");

    public static readonly DiagnosticDescriptor KernelLargerThanInput = Error(
        "SNN031",
        "Kernel larger than its input",
        "{0} has a window of {1}, larger than its padded input of {2} (the layer before it produces {3})");

    public static readonly DiagnosticDescriptor LayerCannotFollow = Error(
        "SNN032",
        "Layer cannot follow the shape before it",
        "{0} cannot follow a layer that produces {1}: {2}");

    public static readonly DiagnosticDescriptor InputShapeRequired = Error(
        "SNN033",
        "Input shape required",
        "{0} needs the shape of each input sample; declare [{1}] on the class");

    private static DiagnosticDescriptor Error(string id, string title, string message)
        => new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + id.ToLowerInvariant());

    private static DiagnosticDescriptor Warning(string id, string title, string message)
        => new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + id.ToLowerInvariant());
}
