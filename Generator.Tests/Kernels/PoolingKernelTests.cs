using System;
using System.Collections.Generic;
using System.Reflection;
using StaticNet.Kernels;

namespace StaticNet.Generator.Tests.Kernels;

/// <summary>
/// The pooling kernel on every path against a reference written from the definition, bit for bit, over random shapes
/// and inputs full of NaNs, infinities and signed zeros. The inputs end at an inaccessible page, so a vector load
/// past the last sample faults.
/// </summary>
public sealed class PoolingKernelTests
{
    private static readonly float[] Specials =
    [
        float.NaN, -float.NaN, BitConverter.Int32BitsToSingle(0x7FC0_1234), BitConverter.Int32BitsToSingle(unchecked((int)0xFFC0_4321)),
        float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 0f, -0f, 1f, -1f, float.MaxValue, float.Epsilon,
    ];

    public static TheoryData<int> Seeds()
    {
        var seeds = new TheoryData<int>();
        for (int seed = 0; seed < 48; seed++)
        {
            seeds.Add(seed);
        }

        return seeds;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Every_path_matches_the_definition_on_random_shapes(int seed)
    {
        var random = new Random(seed);
        bool twoDimensional = random.Next(3) != 0;
        int kernelWidth = random.Next(1, 5);
        int strideWidth = random.Next(1, 5);
        int paddingWidth = random.Next(0, (kernelWidth / 2) + 1);
        int inWidth = random.Next(Math.Max(1, kernelWidth - (2 * paddingWidth)), 48);
        int kernelHeight = twoDimensional ? random.Next(1, 5) : 1;
        int strideHeight = twoDimensional ? random.Next(1, 5) : 1;
        int paddingHeight = twoDimensional ? random.Next(0, (kernelHeight / 2) + 1) : 0;
        int inHeight = twoDimensional ? random.Next(Math.Max(1, kernelHeight - (2 * paddingHeight)), 12) : 1;
        var shape = new PoolShape(random.Next(1, 4), inHeight, inWidth, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth);
        Check(shape, rows: random.Next(1, 4), random);
    }

    public static TheoryData<int, int, int, int, int, int, int, int, int> Shapes() => new()
    {
        // LeNet's two pools.
        { 8, 28, 28, 2, 2, 2, 2, 0, 0 },
        { 16, 10, 10, 2, 2, 2, 2, 0, 0 },

        // Common ones, and widths that fill 512-bit vectors with and without a remainder.
        { 3, 9, 40, 3, 3, 2, 2, 1, 1 },
        { 2, 7, 35, 3, 3, 2, 2, 0, 0 },
        { 2, 6, 64, 2, 2, 2, 2, 0, 0 },
        { 2, 5, 33, 3, 3, 1, 1, 1, 1 },
        { 1, 4, 37, 4, 4, 1, 1, 2, 2 },
        { 1, 1, 65, 1, 3, 1, 2, 0, 0 },
        { 1, 1, 47, 1, 1, 1, 2, 0, 0 },
        { 4, 1, 99, 1, 4, 1, 4, 0, 2 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_path_matches_the_definition_on_common_shapes(int channels, int inHeight, int inWidth, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int paddingHeight, int paddingWidth)
    {
        var shape = new PoolShape(channels, inHeight, inWidth, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth);
        var random = new Random(inWidth);
        foreach (int rows in new[] { 1, 3 })
        {
            Check(shape, rows, random);
        }
    }

    [Fact]
    public void Max_keeps_the_first_of_equal_zeros_and_the_last_nan()
    {
        // The rule, spelt out on windows small enough to read (checked on every path through a 1-D pool of width 2
        // wide enough for the vectors): −0 then +0 gives −0, +0 then −0 gives +0, a NaN after a NaN replaces it.
        float nanA = BitConverter.Int32BitsToSingle(0x7FC0_0001);
        float nanB = BitConverter.Int32BitsToSingle(unchecked((int)0xFFC0_0002));
        (float First, float Second, float Expected)[] pairs =
        [
            (-0f, 0f, -0f), (0f, -0f, 0f), (nanA, nanB, nanB), (nanA, 5f, nanA), (5f, nanA, nanA), (float.NegativeInfinity, -0f, -0f),
        ];
        var shape = new PoolShape(1, 1, 64, 1, 2, 1, 2, 0, 0);
        foreach ((float first, float second, float expected) in pairs)
        {
            var input = new float[64];
            for (int i = 0; i < 64; i += 2)
            {
                input[i] = first;
                input[i + 1] = second;
            }

            foreach (KernelPath path in KernelPaths.Available)
            {
                var output = new float[32];
                shape.Max(path, input, output, 1);
                foreach (float value in output)
                {
                    Assert.Equal(KernelPaths.Bits(expected), KernelPaths.Bits(value));
                }
            }
        }
    }

    private static void Check(PoolShape shape, int rows, Random random)
    {
        int inputLength = rows * shape.Channels * shape.InHeight * shape.InWidth;
        int outputLength = rows * shape.Channels * shape.OutHeight * shape.OutWidth;
        var values = new float[inputLength];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = random.Next(4) == 0 ? Specials[random.Next(Specials.Length)] : (random.Next(-8, 9) * 0.25f) + (random.NextSingle() * 0.001f);
        }

        using GuardedBuffer? input = GuardedBuffer.IsSupported ? new GuardedBuffer(inputLength) : null;
        values.CopyTo(input is null ? values : input.Span);
        ReadOnlySpan<float> samples = input is null ? values : input.Span;
        float[] expectedMax = Reference(shape, values, rows, average: false);
        float[] expectedAverage = Reference(shape, values, rows, average: true);
        foreach (KernelPath path in KernelPaths.Available)
        {
            using GuardedBuffer? output = GuardedBuffer.IsSupported ? new GuardedBuffer(outputLength) : null;
            Span<float> pooled = output is null ? new float[outputLength] : output.Span;
            shape.Max(path, samples, pooled, rows);
            KernelPaths.AssertBitIdentical(expectedMax, pooled, $"max {shape} × {rows} on {path}");
            shape.Average(path, samples, pooled, rows);
            KernelPaths.AssertBitIdentical(expectedAverage, pooled, $"average {shape} × {rows} on {path}");
        }
    }

    /// <summary>
    /// PyTorch's pooling written from its definition, not from the kernel's loop: a maximum is the window's last NaN
    /// if it has one, else its largest value, the first of equal ones (so of −0 and +0, whichever comes first), −∞ for
    /// a window wholly in the padding; an average is the float sum, in (kh, kw) order, of the taps inside the input,
    /// over the whole window's size.
    /// </summary>
    private static float[] Reference(PoolShape shape, float[] input, int rows, bool average)
    {
        var output = new float[rows * shape.Channels * shape.OutHeight * shape.OutWidth];
        int o = 0;
        for (int plane = 0; plane < rows * shape.Channels; plane++)
        {
            for (int oh = 0; oh < shape.OutHeight; oh++)
            {
                for (int ow = 0; ow < shape.OutWidth; ow++)
                {
                    var taps = new List<float>();
                    for (int kh = 0; kh < shape.KernelHeight; kh++)
                    {
                        for (int kw = 0; kw < shape.KernelWidth; kw++)
                        {
                            int ih = (oh * shape.StrideHeight) - shape.PaddingHeight + kh;
                            int iw = (ow * shape.StrideWidth) - shape.PaddingWidth + kw;
                            if (ih >= 0 && ih < shape.InHeight && iw >= 0 && iw < shape.InWidth)
                            {
                                taps.Add(input[(plane * shape.InHeight * shape.InWidth) + (ih * shape.InWidth) + iw]);
                            }
                        }
                    }

                    output[o++] = average ? Sum(taps) / (shape.KernelHeight * shape.KernelWidth) : Maximum(taps);
                }
            }
        }

        return output;
    }

    private static float Sum(List<float> taps)
    {
        float sum = 0f;
        foreach (float tap in taps)
        {
            sum += tap;
        }

        return sum;
    }

    private static float Maximum(List<float> taps)
    {
        int lastNaN = taps.FindLastIndex(float.IsNaN);
        if (lastNaN >= 0)
        {
            return taps[lastNaN];
        }

        float largest = float.NegativeInfinity;
        foreach (float tap in taps)
        {
            largest = Math.Max(largest, tap);
        }

        // The first tap equal to the largest: decides the sign of a zero maximum.
        int first = taps.FindIndex(tap => tap == largest);
        return first >= 0 ? taps[first] : largest;
    }

    /// <summary>A pooling layer's sizes, and its kernel instantiated for them.</summary>
    private sealed record PoolShape(int Channels, int InHeight, int InWidth, int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth, int PaddingHeight, int PaddingWidth)
    {
        private Type? _type;

        public int OutHeight => ((InHeight + (2 * PaddingHeight) - KernelHeight) / StrideHeight) + 1;

        public int OutWidth => ((InWidth + (2 * PaddingWidth) - KernelWidth) / StrideWidth) + 1;

        private Type Type => _type ??= typeof(PoolingShape<,,,,,,,,>).MakeGenericType(
            Number(Channels), Number(InHeight), Number(InWidth), Number(KernelHeight), Number(KernelWidth),
            Number(StrideHeight), Number(StrideWidth), Number(PaddingHeight), Number(PaddingWidth));

        public void Max(KernelPath path, ReadOnlySpan<float> input, Span<float> output, int rows)
            => Pool(nameof(Max), path, input, output, rows);

        public void Average(KernelPath path, ReadOnlySpan<float> input, Span<float> output, int rows)
            => Pool(nameof(Average), path, input, output, rows);

        public override string ToString()
            => $"({Channels}, {InHeight}, {InWidth}) kernel {KernelHeight}×{KernelWidth} stride {StrideHeight}×{StrideWidth} padding {PaddingHeight}×{PaddingWidth}";

        private static Type Number(int value)
            => typeof(TwoDigits<,>).MakeGenericType(Digits[value / 10], Digits[value % 10]);

        private void Pool(string kind, KernelPath path, ReadOnlySpan<float> input, Span<float> output, int rows)
        {
            var pool = typeof(PoolShape).GetMethod(nameof(Run), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(Type)
                .CreateDelegate<PoolDelegate>();
            pool(kind, path, input, output, rows);
        }

        private static void Run<TShape>(string kind, KernelPath path, ReadOnlySpan<float> input, Span<float> output, int rows)
            where TShape : struct, IConvolutionShape
        {
            bool max = kind == nameof(Max);
            StaticNet.KernelPath onPath = path switch
            {
                KernelPath.Vector512 => StaticNet.KernelPath.Vector512,
                KernelPath.Vector256 => StaticNet.KernelPath.Vector256,
                KernelPath.Vector128 => StaticNet.KernelPath.Vector128,
                _ => StaticNet.KernelPath.Scalar,
            };
            if (path == KernelPath.Dispatch && max)
            {
                PoolingKernel.Max<TShape>(input, output, rows);
            }
            else if (path == KernelPath.Dispatch)
            {
                PoolingKernel.Average<TShape>(input, output, rows);
            }
            else if (max)
            {
                PoolingKernel.MaxOnPath<TShape>(onPath, input, output, rows);
            }
            else
            {
                PoolingKernel.AverageOnPath<TShape>(onPath, input, output, rows);
            }
        }

        private static readonly Type[] Digits =
        [
            typeof(Digit0), typeof(Digit1), typeof(Digit2), typeof(Digit3), typeof(Digit4),
            typeof(Digit5), typeof(Digit6), typeof(Digit7), typeof(Digit8), typeof(Digit9),
        ];
    }

    private delegate void PoolDelegate(string kind, KernelPath path, ReadOnlySpan<float> input, Span<float> output, int rows);
}

/// <summary>A pooling layer's sizes as a type, as the generator emits one per layer (output sizes in PyTorch's floor mode).</summary>
public readonly struct PoolingShape<TChannels, TInHeight, TInWidth, TKernelHeight, TKernelWidth, TStrideHeight, TStrideWidth, TPaddingHeight, TPaddingWidth>
    : IConvolutionShape
    where TChannels : struct, IDimension
    where TInHeight : struct, IDimension
    where TInWidth : struct, IDimension
    where TKernelHeight : struct, IDimension
    where TKernelWidth : struct, IDimension
    where TStrideHeight : struct, IDimension
    where TStrideWidth : struct, IDimension
    where TPaddingHeight : struct, IDimension
    where TPaddingWidth : struct, IDimension
{
    /// <inheritdoc/>
    public static int InChannels => TChannels.Value;

    /// <inheritdoc/>
    public static int OutChannels => TChannels.Value;

    /// <inheritdoc/>
    public static int Groups => TChannels.Value;

    /// <inheritdoc/>
    public static int InHeight => TInHeight.Value;

    /// <inheritdoc/>
    public static int InWidth => TInWidth.Value;

    /// <inheritdoc/>
    public static int OutHeight => ((TInHeight.Value + (2 * TPaddingHeight.Value) - TKernelHeight.Value) / TStrideHeight.Value) + 1;

    /// <inheritdoc/>
    public static int OutWidth => ((TInWidth.Value + (2 * TPaddingWidth.Value) - TKernelWidth.Value) / TStrideWidth.Value) + 1;

    /// <inheritdoc/>
    public static int KernelHeight => TKernelHeight.Value;

    /// <inheritdoc/>
    public static int KernelWidth => TKernelWidth.Value;

    /// <inheritdoc/>
    public static int StrideHeight => TStrideHeight.Value;

    /// <inheritdoc/>
    public static int StrideWidth => TStrideWidth.Value;

    /// <inheritdoc/>
    public static int PaddingHeight => TPaddingHeight.Value;

    /// <inheritdoc/>
    public static int PaddingWidth => TPaddingWidth.Value;

    /// <inheritdoc/>
    public static int DilationHeight => 1;

    /// <inheritdoc/>
    public static int DilationWidth => 1;
}

/// <summary>A number 0–99 as a type, from two digit types.</summary>
public readonly struct TwoDigits<TTens, TOnes> : IDimension
    where TTens : struct, IDimension
    where TOnes : struct, IDimension
{
    /// <inheritdoc/>
    public static int Value => (10 * TTens.Value) + TOnes.Value;
}

/// <summary>0.</summary>
public readonly struct Digit0 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 0;
}

/// <summary>1.</summary>
public readonly struct Digit1 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 1;
}

/// <summary>2.</summary>
public readonly struct Digit2 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 2;
}

/// <summary>3.</summary>
public readonly struct Digit3 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 3;
}

/// <summary>4.</summary>
public readonly struct Digit4 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 4;
}

/// <summary>5.</summary>
public readonly struct Digit5 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 5;
}

/// <summary>6.</summary>
public readonly struct Digit6 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 6;
}

/// <summary>7.</summary>
public readonly struct Digit7 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 7;
}

/// <summary>8.</summary>
public readonly struct Digit8 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 8;
}

/// <summary>9.</summary>
public readonly struct Digit9 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 9;
}
