// Shared source: compiled into the runtime (net10.0) and linked into the source generator (netstandard2.0), so it
// uses only APIs both have. See SafetensorsHeader.cs for why the namespace depends on STATICNET_GENERATOR.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

#if STATICNET_GENERATOR
namespace StaticNet.Generator.Weights;
#else
namespace StaticNet.Weights;
#endif

/// <summary>
/// How names, numbers and shapes from a safetensors file appear in error messages: the same in the runtime's
/// exceptions and the generator's diagnostics, culture-invariant, and bounded in length whatever the file holds.
/// </summary>
internal static class SafetensorsMessages
{
    private const int MaxShownLength = 200;
    private const int ShownPrefixLength = 160;
    private const int MaxDimensionsShown = 32;

    /// <summary>
    /// A name from the file as messages show it: whole unless it is absurdly long, so a hostile header cannot
    /// turn one error message into megabytes.
    /// </summary>
    public static string Shown(string text)
    {
        if (text.Length <= MaxShownLength)
        {
            return text;
        }

        int cut = char.IsHighSurrogate(text[ShownPrefixLength - 1]) ? ShownPrefixLength - 1 : ShownPrefixLength;
        return text.Substring(0, cut) + "…(" + Number(text.Length) + " characters)";
    }

    /// <summary>A number as messages show it, whatever the current culture.</summary>
    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Formats a shape as PyTorch users read it: "(128, 784)", "(10)", "()" for a scalar; past 32 dimensions,
    /// "(1, 1, …: 5000 dimensions)".
    /// </summary>
    public static string DescribeShape(IReadOnlyList<long> shape)
    {
        if (shape is null)
        {
            throw new ArgumentNullException(nameof(shape));
        }

        var text = new StringBuilder("(");
        int shown = Math.Min(shape.Count, MaxDimensionsShown);
        for (int i = 0; i < shown; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
            }

            text.Append(Number(shape[i]));
        }

        if (shown < shape.Count)
        {
            text.Append(", …: ").Append(Number(shape.Count)).Append(" dimensions");
        }

        return text.Append(')').ToString();
    }
}
