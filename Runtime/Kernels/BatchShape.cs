using System;
using System.ComponentModel;

namespace StaticNet.Kernels;

/// <summary>
/// The argument check every generated <c>Forward</c> starts with, and how it cuts a batch into blocks. Exists for
/// generated code; not meant to be used directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
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

    /// <summary>
    /// The rows of the next block of a forward pass, with <paramref name="remaining"/> rows left and at most
    /// <paramref name="rowsPerBlock"/> in a block: all of them if they fit; otherwise an even share of the blocks still
    /// needed, rounded up to whole 8-row kernel blocks unless that would leave the last block under 8 rows. As many
    /// blocks as in blocks of <paramref name="rowsPerBlock"/>, but the last is not a lone row or two: each block reads
    /// every layer's weights once, so for a network too large for L2, 33 rows as 32 + 1 took ~4% longer than as 24 + 9.
    /// </summary>
    public static int NextBlock(int remaining, int rowsPerBlock)
    {
        if (remaining <= rowsPerBlock)
        {
            return remaining;
        }

        int blocks = (remaining + rowsPerBlock - 1) / rowsPerBlock;
        int share = (remaining + blocks - 1) / blocks;
        int whole = (share + KernelTuning.RowBlock512 - 1) / KernelTuning.RowBlock512 * KernelTuning.RowBlock512;
        return whole <= rowsPerBlock && remaining - (whole * (blocks - 1)) >= KernelTuning.RowBlock512 ? whole : share;
    }
}
