using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using StaticNet.Kernels;
using StaticNet.Weights;

namespace StaticNet.Generator.Tests.Kernels;

/// <summary>
/// <see cref="WeightFormat.Int8Dynamic"/> on every path of its integer dot products, bit for bit against a reference
/// written here from the documented rule (its own weight quantiser, its own row quantiser, a 64-bit integer sum), for
/// shapes that exercise every block, batch sizes 1 to 70, and rows of NaN, ±∞, zeros and tiny values.
/// </summary>
public sealed class Int8DynamicKernelTests
{
    private static readonly (int K, int N)[] Shapes = [(1, 1), (3, 7), (17, 33), (33, 17), (64, 10), (97, 257), (784, 128), (128, 64), (300, 1000), (16, 16), (1024, 1024), (1500, 17)];

    private static readonly int[] Rows = [1, 2, 3, 4, 5, 7, 8, 9, 11, 16, 23];

    /// <summary>The paths of the integer dot products this processor can run, then the dispatching entry point.</summary>
    public static IReadOnlyList<string> Paths
    {
        get
        {
            var paths = new List<string> { "Scalar", "Vector128" };
            if (Avx512BW.IsSupported)
            {
                paths.Add("Avx512BW");
            }

            if (AvxVnni.IsSupported)
            {
                paths.Add("AvxVnni");
            }

            paths.Add("Dispatch");
            return paths;
        }
    }

    public static TheoryData<int, int, string> Cases()
    {
        var data = new TheoryData<int, int, string>();
        foreach ((int k, int n) in Shapes)
        {
            data.Add(k, n, "ReLU");
        }

        foreach (string activation in TestTypes.Activations.Keys)
        {
            data.Add(31, 17, activation);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_path_equals_the_reference_bit_for_bit(int inputs, int outputs, string activation)
    {
        var random = new Random((inputs * 131) + outputs + 77);
        var (weight, bias) = KernelPaths.RandomLayer(random, inputs, outputs);
        // A zero row (scale 0) and a row whose largest weight is negative.
        Array.Clear(weight, 0, inputs);
        if (outputs > 1)
        {
            weight[inputs] = -2f;
        }

        DenseWeights packed = DenseWeights.Pack(weight, bias, inputs, outputs, WeightFormat.Int8Dynamic);
        Func<float, float> activate = Activation(activation);
        Forward forward = Kernel(inputs, outputs, activation);
        long work = (long)inputs * outputs;
        foreach (int rows in work > 100_000 ? new[] { 1, 4, 9 } : Rows)
        {
            float[] x = KernelPaths.RandomValues(random, rows * inputs, 3f);
            float[] expected = Reference(weight, bias, x, rows, inputs, outputs, activate);
            foreach (string path in Paths)
            {
                var y = new float[rows * outputs];
                forward(path, x, y, rows, packed);
                KernelPaths.AssertBitIdentical(expected, y, $"Int8Dynamic {inputs}→{outputs} {activation}, {rows} rows, {path}");
            }
        }
    }

    [Fact]
    public void Every_batch_size_from_1_to_70_gives_each_row_the_same_bits()
    {
        var random = new Random(70);
        var (weight, bias) = KernelPaths.RandomLayer(random, 97, 33);
        DenseWeights packed = DenseWeights.Pack(weight, bias, 97, 33, WeightFormat.Int8Dynamic);
        float[] x = KernelPaths.RandomValues(random, 70 * 97, 2f);
        float[] expected = Reference(weight, bias, x, 70, 97, 33, v => MathF.Max(v, 0f));
        Forward forward = Kernel(97, 33, "ReLU");
        foreach (string path in Paths)
        {
            for (int rows = 1; rows <= 70; rows++)
            {
                var y = new float[rows * 33];
                forward(path, x, y, rows, packed);
                KernelPaths.AssertBitIdentical(expected.AsSpan(0, rows * 33), y, $"{rows} rows, {path}");
            }
        }
    }

    [Theory]
    [InlineData(64, 10, new[] { 95, 96, 97, 200 })]
    [InlineData(1500, 17, new[] { 62, 63, 64, 66, 130 })]
    public void Batches_spanning_several_row_tiles_give_each_row_the_same_bits(int inputs, int outputs, int[] batches)
    {
        // The AVX-VNNI path quantises a tile of rows at a time (96 rows, fewer for wide K: 63 at K = 1500), then
        // multiplies it by each pair of panels; these batches end inside, at and past tile boundaries.
        var random = new Random(inputs);
        var (weight, bias) = KernelPaths.RandomLayer(random, inputs, outputs);
        DenseWeights packed = DenseWeights.Pack(weight, bias, inputs, outputs, WeightFormat.Int8Dynamic);
        int most = batches.Max();
        float[] x = KernelPaths.RandomValues(random, most * inputs, 2f);
        x[(most - 5) * inputs] = float.NaN;
        float[] expected = Reference(weight, bias, x, most, inputs, outputs, v => MathF.Max(v, 0f));
        Forward forward = Kernel(inputs, outputs, "ReLU");
        foreach (string path in Paths)
        {
            foreach (int rows in batches)
            {
                var y = new float[rows * outputs];
                forward(path, x, y, rows, packed);
                KernelPaths.AssertBitIdentical(expected.AsSpan(0, rows * outputs), y, $"{inputs}→{outputs}, {rows} rows, {path}");
            }
        }
    }

    [Fact]
    public void Rows_of_NaN_infinity_zeros_and_tiny_values_follow_the_rule()
    {
        const int K = 33;
        const int N = 17;
        var random = new Random(3);
        var (weight, bias) = KernelPaths.RandomLayer(random, K, N);
        DenseWeights packed = DenseWeights.Pack(weight, bias, K, N, WeightFormat.Int8Dynamic);
        float[][] special =
        [
            Row(K, 5, float.NaN, random),
            Row(K, 0, float.PositiveInfinity, random),
            Row(K, 32, float.NegativeInfinity, random),
            new float[K],
            Row(K, 7, 1e-38f, null),
            Row(K, 7, 3e-37f, null),
            Row(K, 7, float.Epsilon, null),
            Row(K, 9, 1e-30f, null),
            Row(K, 2, float.MaxValue, random),
            Row(K, 2, -float.MaxValue, null),
            Row(K, 1, 0.5f, null),
        ];
        int rows = special.Length;
        float[] x = new float[rows * K];
        for (int r = 0; r < rows; r++)
        {
            special[r].CopyTo(x, r * K);
        }

        float[] expected = Reference(weight, bias, x, rows, K, N, v => v);
        for (int o = 0; o < N; o++)
        {
            // The documented outcomes, not only agreement: NaN rows, and act(bias) for rows that quantise to zeros.
            Assert.True(float.IsNaN(expected[o]) && float.IsNaN(expected[N + o]) && float.IsNaN(expected[(2 * N) + o]));
            Assert.Equal(KernelPaths.Bits(bias[o] + 0f), KernelPaths.Bits(expected[(3 * N) + o]));
            Assert.Equal(KernelPaths.Bits(bias[o] + 0f), KernelPaths.Bits(expected[(6 * N) + o]));
        }

        Forward forward = Kernel(K, N, "Identity");
        foreach (string path in Paths)
        {
            var y = new float[rows * N];
            forward(path, x, y, rows, packed);
            KernelPaths.AssertBitIdentical(expected, y, $"special rows, {path}");
        }
    }

    [Fact]
    public void Rows_of_every_scale_quantise_their_largest_inputs_to_plus_and_minus_127_on_every_path()
    {
        // The 512-bit quantiser packs with saturation instead of clamping, which is exact only because |x · (127 / m)|
        // never rounds past 127 (see QuantizeRow512). Each row here holds +m and −m, the inputs that come nearest, for
        // 400 magnitudes m from subnormal to 1e38 (each a random mantissa), placed in the first 64 inputs, the packs' share.
        const int K = 97;
        const int N = 17;
        var random = new Random(127);
        var (weight, bias) = KernelPaths.RandomLayer(random, K, N);
        DenseWeights packed = DenseWeights.Pack(weight, bias, K, N, WeightFormat.Int8Dynamic);
        const int Rows = 400;
        float[] x = new float[Rows * K];
        for (int r = 0; r < Rows; r++)
        {
            float m = MathF.ScaleB(1f + random.NextSingle(), random.Next(-140, 126));
            for (int i = 0; i < K; i++)
            {
                x[(r * K) + i] = (random.NextSingle() - 0.5f) * m;
            }

            x[(r * K) + random.Next(0, 32)] = m;
            x[(r * K) + random.Next(32, 64)] = -m;
        }

        float[] expected = Reference(weight, bias, x, Rows, K, N, v => v);
        Forward forward = Kernel(K, N, "Identity");
        foreach (string path in Paths)
        {
            var y = new float[Rows * N];
            forward(path, x, y, Rows, packed);
            KernelPaths.AssertBitIdentical(expected, y, $"rows of every scale, {path}");
        }
    }

    [Fact]
    public void Softmax_heads_equal_the_dense_layer_then_the_softmax()
    {
        var random = new Random(10);
        var (weight, bias) = KernelPaths.RandomLayer(random, 64, 10);
        DenseWeights packed = DenseWeights.Pack(weight, bias, 64, 10, WeightFormat.Int8Dynamic);
        foreach (int rows in new[] { 1, 3, 8, 13 })
        {
            float[] x = KernelPaths.RandomValues(random, rows * 64, 4f);
            float[] expected = Reference(weight, bias, x, rows, 64, 10, v => v);
            SoftmaxKernel.Apply(expected, 10);
            var y = new float[rows * 10];
            DenseKernel.ForwardSoftmaxInt8Dynamic<Shape<D64, D10>>(x, y, rows, packed);
            KernelPaths.AssertBitIdentical(expected, y, $"softmax head, {rows} rows");
        }
    }

    [Fact]
    public void Stored_int8_weights_pack_to_the_same_layer_as_the_floats_they_came_from()
    {
        var random = new Random(8);
        var (weight, bias) = KernelPaths.RandomLayer(random, 31, 17);
        var values = new sbyte[weight.Length];
        var scales = new float[17];
        for (int o = 0; o < 17; o++)
        {
            scales[o] = QuantizeWeights(weight.AsSpan(o * 31, 31), values.AsSpan(o * 31, 31));
        }

        DenseWeights fromFloats = DenseWeights.Pack(weight, bias, 31, 17, WeightFormat.Int8Dynamic);
        DenseWeights fromInt8 = Int8DynamicWeights.PackQuantized(values, scales, bias, 31, 17);
        float[] x = KernelPaths.RandomValues(random, 5 * 31, 1f);
        var a = new float[5 * 17];
        var b = new float[5 * 17];
        DenseKernel.ForwardInt8Dynamic<Shape<D31, D17>, IdentityActivation>(x, a, 5, fromFloats);
        DenseKernel.ForwardInt8Dynamic<Shape<D31, D17>, IdentityActivation>(x, b, 5, fromInt8);
        KernelPaths.AssertBitIdentical(a, b, "packed from int8");
    }

    [Fact]
    public void Kernels_refuse_weights_packed_in_another_format_and_layers_too_wide_for_int32_sums()
    {
        var (weight, bias) = KernelPaths.RandomLayer(new Random(1), 16, 16);
        DenseWeights dynamic = DenseWeights.Pack(weight, bias, 16, 16, WeightFormat.Int8Dynamic);
        DenseWeights int8 = DenseWeights.Pack(weight, bias, 16, 16, WeightFormat.Int8);
        var x = new float[16];
        var y = new float[16];
        Assert.Throws<ArgumentException>(() => DenseKernel.ForwardInt8<Shape<D16, D16>, IdentityActivation>(x, y, 1, dynamic));
        Assert.Throws<ArgumentException>(() => DenseKernel.Forward<Shape<D16, D16>, IdentityActivation>(x, y, 1, dynamic));
        Assert.Throws<ArgumentException>(() => DenseKernel.ForwardInt8Dynamic<Shape<D16, D16>, IdentityActivation>(x, y, 1, int8));
        Assert.Throws<ArgumentOutOfRangeException>(() => DenseWeights.Pack(new float[(1 << 17) + 1], default, (1 << 17) + 1, 1, WeightFormat.Int8Dynamic));
        _ = DenseWeights.Pack(new float[1 << 17], default, 1 << 17, 1, WeightFormat.Int8Dynamic);
    }

    /// <summary>
    /// The rule of <see cref="WeightFormat.Int8Dynamic"/>, written from its documentation: the weights quantised per
    /// output (scale = max|w| / 127, q = round-half-to-even(w / scale)), each row per row, a 64-bit integer sum (checked
    /// to fit int32, as the rule promises), then (float)acc · (sx · scale) + bias and the activation.
    /// </summary>
    internal static float[] Reference(float[] weight, float[] bias, float[] x, int rows, int inputs, int outputs, Func<float, float> activate)
    {
        var q = new sbyte[weight.Length];
        var scales = new float[outputs];
        for (int o = 0; o < outputs; o++)
        {
            scales[o] = QuantizeWeights(weight.AsSpan(o * inputs, inputs), q.AsSpan(o * inputs, inputs));
        }

        var y = new float[rows * outputs];
        var qx = new int[inputs];
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = x.AsSpan(r * inputs, inputs);
            bool finite = true;
            float m = 0f;
            foreach (float value in row)
            {
                finite &= float.IsFinite(value);
                m = Math.Max(m, Math.Abs(value));
            }

            float sx;
            Array.Clear(qx);
            if (!finite)
            {
                sx = float.NaN;
            }
            else
            {
                float inv = 127f / m;
                if (float.IsInfinity(inv))
                {
                    sx = 0f;
                }
                else
                {
                    sx = m / 127f;
                    for (int k = 0; k < inputs; k++)
                    {
                        qx[k] = (int)Math.Clamp(Math.Round((double)(row[k] * inv), MidpointRounding.ToEven), -127, 127);
                    }
                }
            }

            for (int o = 0; o < outputs; o++)
            {
                long acc = 0;
                for (int k = 0; k < inputs; k++)
                {
                    acc += qx[k] * (long)q[(o * inputs) + k];
                }

                Assert.InRange(acc, int.MinValue, int.MaxValue);
                float product = sx * scales[o];
                float scaled = (float)acc * product;
                y[(r * outputs) + o] = activate(scaled + bias[o]);
            }
        }

        return y;
    }

    private static float QuantizeWeights(ReadOnlySpan<float> w, Span<sbyte> q)
    {
        float maxAbs = 0f;
        foreach (float value in w)
        {
            maxAbs = Math.Max(maxAbs, Math.Abs(value));
        }

        float scale = maxAbs / 127f;
        for (int k = 0; k < w.Length; k++)
        {
            q[k] = scale == 0f ? (sbyte)0 : (sbyte)Math.Clamp(Math.Round((double)(w[k] / scale), MidpointRounding.ToEven), -127, 127);
        }

        return scale;
    }

    /// <summary>A row of random values in ±1 (or zeros), with <paramref name="value"/> at <paramref name="index"/>.</summary>
    private static float[] Row(int k, int index, float value, Random? random)
    {
        float[] row = random is null ? new float[k] : KernelPaths.RandomValues(random, k, 1f);
        row[index] = value;
        return row;
    }

    private static Func<float, float> Activation(string name)
        => TestTypes.Activations[name].GetMethod("Apply", [typeof(float)])!.CreateDelegate<Func<float, float>>();

    private delegate void Forward(string path, ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights);

    private static Forward Kernel(int inputs, int outputs, string activation)
        => typeof(Int8DynamicKernelTests)
            .GetMethod(nameof(Run), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(
                inputs == 1500 ? typeof(Shape<D1500, D17>) : TestTypes.Shape(inputs, outputs),
                TestTypes.Activations[activation])
            .CreateDelegate<Forward>();

    private static void Run<TShape, TActivation>(string path, ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        switch (path)
        {
            case "Scalar": DenseKernel.ForwardInt8DynamicScalar<TShape, TActivation>(input, output, rows, weights); break;
            case "Vector128": DenseKernel.ForwardInt8DynamicVector128<TShape, TActivation>(input, output, rows, weights); break;
            case "Avx512BW": DenseKernel.ForwardInt8DynamicAvx512BW<TShape, TActivation>(input, output, rows, weights); break;
            case "AvxVnni": DenseKernel.ForwardInt8DynamicAvxVnni<TShape, TActivation>(input, output, rows, weights); break;
            default: DenseKernel.ForwardInt8Dynamic<TShape, TActivation>(input, output, rows, weights); break;
        }
    }
}

/// <summary>1,500 inputs: four rows of them quantise into native memory, not the stack.</summary>
public readonly struct D1500 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 1500;
}
