using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace StaticNet.Weights;

/// <summary>The messages every <see cref="ITensorSource"/> gives, worded as <see cref="SafetensorsReader"/>'s.</summary>
internal static class TensorReadErrors
{
    private const int NamesListed = 20;

    /// <summary>"(128, 784)" for an expected shape.</summary>
    public static string DescribeShape(ReadOnlySpan<int> shape)
    {
        var dimensions = new long[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            dimensions[i] = shape[i];
        }

        return SafetensorsMessages.DescribeShape(dimensions);
    }

    /// <summary>Checks the arguments of a ReadTensor call.</summary>
    public static void CheckRequest(string name, ReadOnlySpan<int> expectedShape)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (int dimension in expectedShape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(dimension, nameof(expectedShape));
        }
    }

    /// <summary>Whether a stored shape is exactly the expected one.</summary>
    public static bool ShapeEquals(long[] actual, ReadOnlySpan<int> expected)
    {
        if (actual.Length != expected.Length)
        {
            return false;
        }

        for (int i = 0; i < actual.Length; i++)
        {
            if (actual[i] != expected[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The tensor exists with another shape or dtype.</summary>
    public static InvalidDataException Mismatch(string name, ReadOnlySpan<int> expectedShape, string expectedTypes, string storedType, long[] storedShape)
        => new($"Tensor '{SafetensorsMessages.Shown(name)}': expected shape {DescribeShape(expectedShape)} as {expectedTypes}, but the file holds {storedType} {SafetensorsMessages.DescribeShape(storedShape)}.");

    /// <summary>The tensor is not in the file: lists what is.</summary>
    public static InvalidDataException Missing(string name, ReadOnlySpan<int> expectedShape, string expectedTypes, IReadOnlyList<string> names)
    {
        var message = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"Tensor '{SafetensorsMessages.Shown(name)}': expected shape {DescribeShape(expectedShape)} as {expectedTypes}, but it is missing from the file; ");
        if (names.Count == 0)
        {
            message.Append("the file holds no tensors.");
        }
        else
        {
            message.Append(names.Count <= NamesListed
                ? "it holds: "
                : string.Create(CultureInfo.InvariantCulture, $"it holds {names.Count} tensors, the first {NamesListed}: "));
            for (int i = 0; i < Math.Min(names.Count, NamesListed); i++)
            {
                message.Append(i == 0 ? string.Empty : ", ").Append(SafetensorsMessages.Shown(names[i]));
            }

            message.Append('.');
        }

        return new InvalidDataException(message.ToString());
    }
}
