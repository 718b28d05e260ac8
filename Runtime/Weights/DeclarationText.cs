// Shared-source ready: uses only APIs that netstandard2.0 has too, so the generator can link it.
using System.Collections.Generic;

#if STATICNET_GENERATOR
namespace StaticNet.Generator.Weights;
#else
namespace StaticNet.Weights;
#endif

/// <summary>
/// How a layer attribute is written in C#, with only the named options that differ from their defaults. One writer
/// for the generator's diagnostics and summaries and for the ONNX reader's messages and printed declarations, so a
/// layer reads the same wherever it is named.
/// </summary>
internal static class DeclarationText
{
    /// <summary><c>Conv1d(…)</c> or <c>Conv2d(…)</c> with the options that are not the defaults.</summary>
    public static string Convolution(
        string attribute, int inChannels, int outChannels, int kernelSize, int stride, int padding, int dilation, int groups, bool bias)
    {
        var text = new System.Text.StringBuilder();
        text.Append(attribute).Append('(').Append(inChannels).Append(", ").Append(outChannels).Append(", ").Append(kernelSize);
        AppendOption(text, "Stride", stride, 1);
        AppendOption(text, "Padding", padding, 0);
        AppendOption(text, "Dilation", dilation, 1);
        AppendOption(text, "Groups", groups, 1);
        if (!bias)
        {
            text.Append(", Bias = false");
        }

        return text.Append(')').ToString();
    }

    /// <summary>
    /// <c>MaxPool2d(…)</c> and the like; <paramref name="stride"/> is shown only when it is not the kernel size (the
    /// default in StaticNet and PyTorch).
    /// </summary>
    public static string Pooling(string attribute, int kernelSize, int stride, int padding)
    {
        var text = new System.Text.StringBuilder();
        text.Append(attribute).Append('(').Append(kernelSize);
        AppendOption(text, "Stride", stride, kernelSize);
        AppendOption(text, "Padding", padding, 0);
        return text.Append(')').ToString();
    }

    private static void AppendOption(System.Text.StringBuilder text, string name, int value, int defaultValue)
    {
        if (value != defaultValue)
        {
            text.Append(", ").Append(name).Append(" = ").Append(value);
        }
    }
}
