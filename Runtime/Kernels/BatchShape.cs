using System;

namespace StaticNet.Kernels;

/// <summary>The argument check every generated <c>Forward</c> starts with.</summary>
public static class BatchShape
{
    /// <summary>
    /// Returns the batch size when <paramref name="inputLength"/> is batch × <paramref name="inputSize"/> and
    /// <paramref name="outputLength"/> is batch × <paramref name="outputSize"/> for the same batch; otherwise throws
    /// an <see cref="ArgumentException"/> that names the expected sizes.
    /// </summary>
    public static int Rows(int inputLength, int inputSize, int outputLength, int outputSize)
    {
        if (inputLength % inputSize != 0)
        {
            throw new ArgumentException(
                $"inputs has {inputLength} values, which is not a whole number of samples of {inputSize} features; " +
                $"pass (batch, {inputSize}) row-major values.", "inputs");
        }

        int batch = inputLength / inputSize;
        if ((long)batch * outputSize != outputLength)
        {
            throw new ArgumentException(
                $"outputs has {outputLength} values, but inputs holds {batch} sample(s), which need {(long)batch * outputSize} " +
                $"(batch {batch} × {outputSize} features).", "outputs");
        }

        return batch;
    }
}
