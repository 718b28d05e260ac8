using System;
using System.Collections.Generic;
using System.Reflection;
using System.Runtime.Intrinsics;
using StaticNet.Kernels;
using StaticNet.Weights;

namespace StaticNet.Generator.Tests.Kernels;

/// <summary>
/// The bfloat16 and int8 formats on every instruction-set path: bit for bit against a reference written here from the
/// documented rules (its own rounding to bfloat16, its own quantiser, the canonical sum), for every block shape.
/// </summary>
public sealed class WeightFormatKernelTests
{
    private static readonly (int K, int N)[] Shapes = [(1, 1), (3, 7), (17, 33), (33, 17), (64, 10), (97, 257), (784, 128), (128, 64), (300, 1000), (16, 16), (1024, 1024)];

    private static readonly int[] Rows = [1, 2, 3, 5, 6, 7, 8, 9, 11, 15, 16, 23, 33];

    public static TheoryData<string, int, int, string> Cases()
    {
        var data = new TheoryData<string, int, int, string>();
        foreach (string format in new[] { "BFloat16", "Int8" })
        {
            foreach ((int k, int n) in Shapes)
            {
                data.Add(format, k, n, "ReLU");
            }

            foreach (string activation in TestTypes.Activations.Keys)
            {
                data.Add(format, 31, 17, activation);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_path_equals_the_reference_bit_for_bit(string format, int inputs, int outputs, string activation)
    {
        var random = new Random((inputs * 131) + outputs + format.Length);
        var (weight, bias) = KernelPaths.RandomLayer(random, inputs, outputs);
        // A zero row (scale 0) and a row whose largest weight is negative.
        Array.Clear(weight, 0, inputs);
        if (outputs > 1)
        {
            weight[inputs] = -2f;
        }

        WeightFormat stored = Enum.Parse<WeightFormat>(format);
        DenseWeights packed = DenseWeights.Pack(weight, bias, inputs, outputs, stored);
        Func<float, float> activate = Activation(activation);
        FormatForward forward = Forward(stored, inputs, outputs, activation);
        long work = (long)inputs * outputs;
        foreach (int rows in work > 100_000 ? new[] { 1, 2, 9, 17 } : Rows)
        {
            float[] x = KernelPaths.RandomValues(random, rows * inputs, 3f);
            float[] expected = Reference(stored, weight, bias, x, rows, inputs, outputs, activate);
            foreach (KernelPath path in KernelPaths.Available)
            {
                var y = new float[rows * outputs];
                forward(path, x, y, rows, packed);
                KernelPaths.AssertBitIdentical(expected, y, $"{format} {inputs}→{outputs} {activation}, {rows} rows, {path}");
            }
        }
    }

    [Theory]
    [InlineData("BFloat16", 1, 16)]
    [InlineData("BFloat16", 3, 7)]
    [InlineData("BFloat16", 31, 33)]
    [InlineData("BFloat16", 64, 17)]
    [InlineData("BFloat16", 97, 257)]
    [InlineData("Int8", 31, 33)]
    public void Infinite_and_NaN_inputs_give_the_reference_bits_with_an_odd_K_too(string format, int inputs, int outputs)
    {
        // bfloat16 takes inputs in pairs, each with its own FMA, and the last input of an odd K alone: a zero weight
        // multiplied into the sum for an input that is not there (0 × ∞, or NaN) would turn a sum into NaN here.
        var random = new Random((inputs * 7) + outputs);
        var (weight, bias) = KernelPaths.RandomLayer(random, inputs, outputs);
        // Output 0 has zero weights for the first and last inputs, so 0 × ∞ makes NaN in its canonical sum too.
        weight[0] = 0f;
        weight[inputs - 1] = 0f;
        WeightFormat stored = Enum.Parse<WeightFormat>(format);
        DenseWeights packed = DenseWeights.Pack(weight, bias, inputs, outputs, stored);
        FormatForward forward = Forward(stored, inputs, outputs, "Identity");
        foreach (int rows in new[] { 1, 2, 3, 8, 9, 17 })
        {
            float[] x = KernelPaths.RandomValues(random, rows * inputs, 3f);
            for (int r = 0; r < rows; r++)
            {
                // Each row's first input is the one a kernel reading past the row before it would meet.
                x[r * inputs] = (r % 3) switch { 0 => float.PositiveInfinity, 1 => float.NegativeInfinity, _ => float.NaN };
                if (r % 2 == 1)
                {
                    x[(r * inputs) + inputs - 1] = float.PositiveInfinity;
                }
            }

            float[] expected = Reference(stored, weight, bias, x, rows, inputs, outputs, v => v);
            foreach (KernelPath path in KernelPaths.Available)
            {
                var y = new float[rows * outputs];
                forward(path, x, y, rows, packed);
                KernelPaths.AssertBitIdentical(expected, y, $"{format} {inputs}→{outputs} with ±∞ and NaN inputs, {rows} rows, {path}");
            }
        }
    }

    [Theory]
    [InlineData("BFloat16")]
    [InlineData("Int8")]
    public void Softmax_heads_equal_the_dense_layer_then_the_softmax(string format)
    {
        WeightFormat stored = Enum.Parse<WeightFormat>(format);
        var random = new Random(10);
        var (weight, bias) = KernelPaths.RandomLayer(random, 64, 10);
        DenseWeights packed = DenseWeights.Pack(weight, bias, 64, 10, stored);
        foreach (int rows in new[] { 1, 3, 8, 13 })
        {
            float[] x = KernelPaths.RandomValues(random, rows * 64, 4f);
            float[] expected = Reference(stored, weight, bias, x, rows, 64, 10, v => v);
            SoftmaxKernel.Apply(expected, 10);
            var y = new float[rows * 10];
            if (stored == WeightFormat.Int8)
            {
                DenseKernel.ForwardSoftmaxInt8<Shape<D64, D10>>(x, y, rows, packed);
            }
            else
            {
                DenseKernel.ForwardSoftmaxBFloat16<Shape<D64, D10>>(x, y, rows, packed);
            }

            KernelPaths.AssertBitIdentical(expected, y, $"{format} softmax head, {rows} rows");
        }
    }

    [Fact]
    public void A_kernel_refuses_weights_packed_in_another_format()
    {
        var (weight, bias) = KernelPaths.RandomLayer(new Random(1), 16, 16);
        DenseWeights int8 = DenseWeights.Pack(weight, bias, 16, 16, WeightFormat.Int8);
        DenseWeights float32 = DenseWeights.Pack(weight, bias, 16, 16);
        var x = new float[16];
        var y = new float[16];
        Assert.Throws<ArgumentException>(() => DenseKernel.Forward<Shape<D16, D16>, IdentityActivation>(x, y, 1, int8));
        Assert.Throws<ArgumentException>(() => DenseKernel.ForwardBFloat16<Shape<D16, D16>, IdentityActivation>(x, y, 1, int8));
        Assert.Throws<ArgumentException>(() => DenseKernel.ForwardInt8<Shape<D16, D16>, IdentityActivation>(x, y, 1, float32));
    }

    [Fact]
    public unsafe void The_128_bit_loads_and_epilogues_agree_with_the_scalar_ones()
    {
        // The 128-bit path (ARM64 NEON) is built on these members; checked lane by lane here on any processor.
        var random = new Random(128);
        var (weight, bias) = KernelPaths.RandomLayer(random, 5, 30);
        foreach (WeightFormat format in new[] { WeightFormat.BFloat16, WeightFormat.Int8 })
        {
            DenseWeights packed = DenseWeights.Pack(weight, bias, 5, 30, format);
            for (int panel = 0; panel < packed.Panels; panel++)
            {
                for (int k = 0; k < 5; k++)
                {
                    for (int quarter = 0; quarter < 4; quarter++)
                    {
                        // bfloat16 pairs inputs 0–1 and 2–3 in double steps (low halves, then high); input 4, the last of an odd K, is alone.
                        int bfloat16Part = k == 4 ? StepPart.Whole : k % 2 == 0 ? StepPart.Low : StepPart.High;
                        Vector128<float> loaded = format == WeightFormat.Int8
                            ? Int8Weights.Load128(packed.PackedPanels + (((panel * 5) + k) * Int8Weights.StepBytes), quarter, StepPart.Whole)
                            : BFloat16Weights.Load128(packed.PackedPanels + (((panel * 5) + (k & ~1)) * BFloat16Weights.StepBytes), quarter, bfloat16Part);
                        for (int lane = 0; lane < 4; lane++)
                        {
                            int output = (panel * 16) + (quarter * 4) + lane;
                            float scalar = output >= 30 ? 0f
                                : format == WeightFormat.Int8 ? Int8Weights.LoadScalar(packed.PackedPanels + (panel * 5 * Int8Weights.StepBytes), output % 16, k, 5)
                                : BFloat16Weights.LoadScalar(packed.PackedPanels + (panel * 5 * BFloat16Weights.StepBytes), output % 16, k, 5);
                            Assert.Equal(KernelPaths.Bits(scalar), KernelPaths.Bits(loaded.GetElement(lane)));
                        }
                    }
                }

                var row = new float[30];
                var expected = new float[30];
                fixed (float* y = row)
                {
                    for (int quarter = 0; quarter < 4; quarter++)
                    {
                        Vector128<float> acc = Vector128.Create(1.5f, -2.25f, 3f, 0.125f);
                        if (format == WeightFormat.Int8)
                        {
                            Int8Weights.Finish128<Shape<D5, D30Proxy>, TanhActivation>(acc, packed.Bias, y, panel, quarter);
                        }
                        else
                        {
                            BFloat16Weights.Finish128<Shape<D5, D30Proxy>, TanhActivation>(acc, packed.Bias, y, panel, quarter);
                        }

                        for (int lane = 0; lane < 4 && (panel * 16) + (quarter * 4) + lane < 30; lane++)
                        {
                            int output = (panel * 16) + (quarter * 4) + lane;
                            expected[output] = format == WeightFormat.Int8
                                ? Int8Weights.FinishScalar<Shape<D5, D30Proxy>, TanhActivation>(acc.GetElement(lane), packed.Bias, output)
                                : BFloat16Weights.FinishScalar<Shape<D5, D30Proxy>, TanhActivation>(acc.GetElement(lane), packed.Bias, output);
                        }
                    }
                }

                int first = panel * 16;
                int count = Math.Min(16, 30 - first);
                KernelPaths.AssertBitIdentical(expected.AsSpan(first, count), row.AsSpan(first, count), $"{format} Finish128, panel {panel}");
            }
        }
    }

    /// <summary>The canonical sum on the stored values, written from the documented rules with this test's own conversions.</summary>
    internal static float[] Reference(WeightFormat format, float[] weight, float[] bias, float[] x, int rows, int inputs, int outputs, Func<float, float> activate)
    {
        var stored = new float[weight.Length];
        var scales = new float[outputs];
        for (int o = 0; o < outputs; o++)
        {
            float maxAbs = 0f;
            for (int k = 0; k < inputs; k++)
            {
                maxAbs = Math.Max(maxAbs, Math.Abs(weight[(o * inputs) + k]));
            }

            scales[o] = maxAbs / 127f;
            for (int k = 0; k < inputs; k++)
            {
                float w = weight[(o * inputs) + k];
                stored[(o * inputs) + k] = format switch
                {
                    WeightFormat.Int8 => scales[o] == 0f ? 0f : Math.Clamp(MathF.Round(w / scales[o], MidpointRounding.ToEven), -127f, 127f),
                    WeightFormat.BFloat16 => NearestBFloat16(w),
                    _ => w,
                };
            }
        }

        var y = new float[rows * outputs];
        for (int r = 0; r < rows; r++)
        {
            for (int o = 0; o < outputs; o++)
            {
                float acc = 0f;
                for (int k = 0; k < inputs; k++)
                {
                    acc = MathF.FusedMultiplyAdd(x[(r * inputs) + k], stored[(o * inputs) + k], acc);
                }

                if (format == WeightFormat.Int8)
                {
                    acc *= scales[o];
                }

                y[(r * outputs) + o] = activate(acc + bias[o]);
            }
        }

        return y;
    }

    /// <summary>The bfloat16 nearest to a finite float, ties to the even one: the two candidates compared in double.</summary>
    internal static float NearestBFloat16(float value)
    {
        int bits = BitConverter.SingleToInt32Bits(value);
        float down = BitConverter.Int32BitsToSingle(bits & unchecked((int)0xFFFF0000));
        float up = BitConverter.Int32BitsToSingle((bits & unchecked((int)0xFFFF0000)) + 0x10000);
        double toDown = Math.Abs((double)value - down);
        double toUp = Math.Abs((double)up - value);
        return toDown < toUp ? down
            : toUp < toDown ? up
            : (BitConverter.SingleToInt32Bits(down) & 0x10000) == 0 ? down : up;
    }

    private static Func<float, float> Activation(string name)
    {
        MethodInfo apply = TestTypes.Activations[name].GetMethod("Apply", [typeof(float)])!;
        return apply.CreateDelegate<Func<float, float>>();
    }

    private delegate void FormatForward(KernelPath path, ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights);

    private static FormatForward Forward(WeightFormat format, int inputs, int outputs, string activation)
        => typeof(WeightFormatKernelTests)
            .GetMethod(nameof(Run), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(format == WeightFormat.Int8 ? typeof(Int8Weights) : typeof(BFloat16Weights), TestTypes.Shape(inputs, outputs), TestTypes.Activations[activation])
            .CreateDelegate<FormatForward>();

    private static void Run<TFormat, TShape, TActivation>(KernelPath path, ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        switch (path)
        {
            case KernelPath.Scalar: DenseKernel.ForwardScalar<TFormat, TShape, TActivation>(input, output, rows, weights); break;
            case KernelPath.Vector128: DenseKernel.ForwardVector128<TFormat, TShape, TActivation>(input, output, rows, weights); break;
            case KernelPath.Vector256: DenseKernel.ForwardVector256<TFormat, TShape, TActivation>(input, output, rows, weights); break;
            case KernelPath.Vector512: DenseKernel.ForwardVector512<TFormat, TShape, TActivation>(input, output, rows, weights); break;
            default:
                if (typeof(TFormat) == typeof(Int8Weights))
                {
                    DenseKernel.ForwardInt8<TShape, TActivation>(input, output, rows, weights);
                }
                else
                {
                    DenseKernel.ForwardBFloat16<TShape, TActivation>(input, output, rows, weights);
                }

                break;
        }
    }
}

/// <summary>30 outputs: two panels, the second partial, with a partial last quarter.</summary>
public readonly struct D30Proxy : IDimension
{
    /// <inheritdoc/>
    public static int Value => 30;
}
