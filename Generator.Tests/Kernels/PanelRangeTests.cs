using System;
using System.Reflection;
using StaticNet.Kernels;

namespace StaticNet.Generator.Tests.Kernels;

/// <summary>
/// <c>DenseKernel.PanelRange512</c>, one core's share in <c>ParallelColumns</c>: the panels in its range must carry
/// exactly the bits of the whole layer's call, and it must write nothing outside them.
/// </summary>
public sealed class PanelRangeTests
{
    private unsafe delegate void Range(float* x, float* y, byte* weights, float* bias, int first, int end);

    public static TheoryData<int, int> Shapes() => new() { { 784, 128 }, { 1000, 257 }, { 97, 33 } };

    [Theory]
    [MemberData(nameof(Shapes))]
    public unsafe void A_range_of_panels_gives_the_whole_layers_bits_there_and_writes_nothing_else(int inputs, int outputs)
    {
        if (!System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
        {
            return; // The AVX-512 path only; the child-process tests cover the machine without it.
        }

        var random = new Random(inputs + outputs);
        (float[] weight, float[] bias) = KernelPaths.RandomLayer(random, inputs, outputs);
        var packed = DenseWeights.Pack(weight, bias, inputs, outputs);
        int panels = packed.Panels;
        for (int rows = 1; rows <= 8; rows++)
        {
            float[] x = KernelPaths.RandomValues(random, rows * inputs);
            float[] whole = new float[rows * outputs];
            KernelPaths.Dense(inputs, outputs, "ReLU")(KernelPath.Scalar, x, whole, rows, packed);
            foreach ((int first, int end) in new[] { (0, panels), (0, 1), (1, panels), (panels / 2, panels), (panels - 1, panels), (2, Math.Min(panels, 7)) })
            {
                if (first >= end)
                {
                    continue;
                }

                float[] part = new float[rows * outputs];
                part.AsSpan().Fill(float.NaN);
                fixed (float* px = x)
                fixed (float* py = part)
                {
                    RangeFor(inputs, outputs, rows)(px, py, packed.PackedPanels, packed.Bias, first, end);
                }

                for (int r = 0; r < rows; r++)
                {
                    for (int o = 0; o < outputs; o++)
                    {
                        int panel = o / DenseWeights.PanelWidth;
                        float got = part[(r * outputs) + o];
                        if (panel >= first && panel < end)
                        {
                            Assert.True(KernelPaths.Bits(whole[(r * outputs) + o]) == KernelPaths.Bits(got), $"{inputs}→{outputs}, {rows} rows, panels [{first}, {end}): row {r}, output {o} is {got:R}, expected {whole[(r * outputs) + o]:R}");
                        }
                        else
                        {
                            Assert.True(float.IsNaN(got), $"{inputs}→{outputs}, {rows} rows, panels [{first}, {end}): row {r}, output {o} outside the range was written");
                        }
                    }
                }
            }
        }
    }

    private static Range RangeFor(int inputs, int outputs, int rows)
        => typeof(DenseKernel)
            .GetMethod("PanelRange512", BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(typeof(Float32Weights), TestTypes.Shape(inputs, outputs), typeof(ReLUActivation), RowsType(rows))
            .CreateDelegate<Range>();

    private static Type RowsType(int rows) => rows switch
    {
        1 => typeof(Block1),
        2 => typeof(Block2),
        3 => typeof(Block3),
        4 => typeof(Block4),
        5 => typeof(Block5),
        6 => typeof(Block6),
        7 => typeof(Block7),
        _ => typeof(Block8),
    };
}
