using System;
using System.Collections.Generic;
using System.Linq;
using StaticNet.Kernels;

namespace StaticNet.Generator.Tests.Kernels;

/// <summary><c>BatchShape.NextBlock</c>: how a generated forward pass cuts a batch into blocks of rows.</summary>
public sealed class BatchShapeTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(12)]
    [InlineData(16)]
    [InlineData(24)]
    [InlineData(32)]
    public void Blocks_cover_the_batch_in_as_few_blocks_as_possible_and_none_is_a_few_rows_left_over(int rowsPerBlock)
    {
        for (int batch = 1; batch <= 1000; batch++)
        {
            var blocks = new List<int>();
            for (int row = 0, rows; row < batch; row += rows)
            {
                rows = BatchShape.NextBlock(batch - row, rowsPerBlock);
                Assert.InRange(rows, 1, rowsPerBlock);
                blocks.Add(rows);
            }

            string cut = $"batch {batch} in blocks of up to {rowsPerBlock}: {string.Join(" + ", blocks)}";
            Assert.True(blocks.Sum() == batch, cut);
            Assert.True(blocks.Count == (batch + rowsPerBlock - 1) / rowsPerBlock, cut);
            // No block is smaller than an even share would be, or than one 8-row kernel block.
            Assert.True(blocks.Min() >= Math.Min(8, batch / blocks.Count), cut);
        }
    }

    [Fact]
    public void A_batch_one_row_over_a_block_is_cut_into_whole_kernel_blocks_and_the_rest()
    {
        Assert.Equal(24, BatchShape.NextBlock(33, 32));
        Assert.Equal(9, BatchShape.NextBlock(9, 32));
        Assert.Equal(32, BatchShape.NextBlock(64, 32));
        Assert.Equal(9, BatchShape.NextBlock(17, 16));
    }
}
