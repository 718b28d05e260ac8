using System;
using System.Collections.Generic;
using System.Linq;
using StaticNet.Kernels;

namespace StaticNet.Generator.Tests.Kernels;

/// <summary>
/// Every path of <see cref="DenseKernel"/> against the scalar path (bit for bit), against a double-precision
/// reference on the unpacked weights, and against itself one row at a time.
/// </summary>
public sealed class DenseKernelTests
{
    private static readonly int[] Sizes = [1, 2, 3, 7, 15, 16, 17, 31, 33, 64, 97, 128, 257, 300, 784, 1000];

    // Rows that hit every block shape: one row, each remainder after blocks of 8 (AVX-512) and of 6 (AVX2),
    // and whole blocks with and without remainders.
    private static readonly int[] EdgeRows = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 16, 17, 31, 33];

    /// <summary>Every K × N of the size list (ReLU); rows chosen per shape so that the whole grid stays fast.</summary>
    public static TheoryData<int, int> Grid()
    {
        var data = new TheoryData<int, int>();
        foreach (int k in Sizes)
        {
            foreach (int n in Sizes)
            {
                data.Add(k, n);
            }
        }

        return data;
    }

    /// <summary>Shapes × activations for the activation-specific tests.</summary>
    public static TheoryData<int, int, string> ShapesAndActivations()
    {
        (int K, int N)[] shapes = [(1, 1), (3, 7), (17, 33), (33, 17), (64, 10), (97, 257), (784, 128), (128, 64), (300, 1000), (16, 16)];
        var data = new TheoryData<int, int, string>();
        foreach (string activation in TestTypes.Activations.Keys)
        {
            foreach ((int k, int n) in shapes)
            {
                data.Add(k, n, activation);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Grid))]
    public void Every_path_matches_the_scalar_path_bit_for_bit(int inputs, int outputs)
    {
        var random = new Random((inputs * 7919) + outputs);
        var (weight, bias) = KernelPaths.RandomLayer(random, inputs, outputs);
        DenseWeights packed = DenseWeights.Pack(weight, bias, inputs, outputs);
        DenseForward forward = KernelPaths.Dense(inputs, outputs, "ReLU");

        // Big layers get fewer row counts: the scalar reference costs K × N FMAs per row.
        long work = (long)inputs * outputs;
        IEnumerable<int> rowCounts = work > 100_000 ? [1, 2, 9, 8 + 6 + 5 + random.Next(1, 8)] : EdgeRows.Append(random.Next(34, 120));
        foreach (int rows in rowCounts)
        {
            AssertPathsAgree(forward, packed, KernelPaths.RandomValues(random, rows * inputs, 2f), rows, $"{inputs}→{outputs} ReLU, {rows} rows");
        }
    }

    [Theory]
    [MemberData(nameof(ShapesAndActivations))]
    public void Every_activation_matches_the_scalar_path_bit_for_bit(int inputs, int outputs, string activation)
    {
        var random = new Random(inputs + (outputs * 31) + activation.Length);
        var (weight, bias) = KernelPaths.RandomLayer(random, inputs, outputs);
        DenseWeights packed = DenseWeights.Pack(weight, bias, inputs, outputs);
        DenseForward forward = KernelPaths.Dense(inputs, outputs, activation);
        foreach (int rows in new[] { 1, 2, 5, 7, 8, 11, 16, 23 })
        {
            // Large inputs push Sigmoid and Tanh into saturation and exp into its clamps.
            AssertPathsAgree(forward, packed, KernelPaths.RandomValues(random, rows * inputs, 40f), rows, $"{inputs}→{outputs} {activation}, {rows} rows");
        }
    }

    [Fact]
    public void Every_row_count_up_to_300_matches_the_scalar_path_and_is_batch_invariant()
    {
        var random = new Random(300);
        foreach ((int k, int n) in new[] { (33, 17), (97, 64) })
        {
            var (weight, bias) = KernelPaths.RandomLayer(random, k, n);
            DenseWeights packed = DenseWeights.Pack(weight, bias, k, n);
            DenseForward forward = KernelPaths.Dense(k, n, "Tanh");
            float[] all = KernelPaths.RandomValues(random, 300 * k, 3f);

            // One row at a time, per path: the reference for every batch.
            var single = new Dictionary<KernelPath, float[]>();
            foreach (KernelPath path in KernelPaths.Available)
            {
                var y = new float[300 * n];
                for (int r = 0; r < 300; r++)
                {
                    forward(path, all.AsSpan(r * k, k), y.AsSpan(r * n, n), 1, packed);
                }

                single[path] = y;
                KernelPaths.AssertBitIdentical(single[KernelPath.Scalar], y, $"{k}→{n}, rows one by one, {path}");
            }

            for (int rows = 1; rows <= 300; rows++)
            {
                foreach (KernelPath path in KernelPaths.Available)
                {
                    var y = new float[rows * n];
                    forward(path, all.AsSpan(0, rows * k), y, rows, packed);
                    KernelPaths.AssertBitIdentical(single[KernelPath.Scalar].AsSpan(0, rows * n), y, $"{k}→{n}, {rows} rows together, {path}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(ShapesAndActivations))]
    public void Matches_a_double_precision_reference_on_the_unpacked_weights(int inputs, int outputs, string activation)
    {
        var random = new Random(inputs ^ (outputs << 8) ^ activation.GetHashCode(StringComparison.Ordinal));
        var (weight, bias) = KernelPaths.RandomLayer(random, inputs, outputs);
        DenseWeights packed = DenseWeights.Pack(weight, bias, inputs, outputs);
        DenseForward forward = KernelPaths.Dense(inputs, outputs, activation);
        const int rows = 13;
        float[] x = KernelPaths.RandomValues(random, rows * inputs, 2f);
        double[] expected = Reference(x, weight, bias, rows, inputs, outputs, activation);
        foreach (KernelPath path in KernelPaths.Available)
        {
            var y = new float[rows * outputs];
            forward(path, x, y, rows, packed);
            for (int i = 0; i < y.Length; i++)
            {
                double tolerance = 1e-5 * Math.Max(1.0, Math.Abs(expected[i]));
                Assert.True(
                    Math.Abs(y[i] - expected[i]) <= tolerance,
                    $"{inputs}→{outputs} {activation} on {path}: element {i} is {y[i]:R}, reference {expected[i]:R}.");
            }
        }
    }

    [Theory]
    [InlineData("Identity")]
    [InlineData("ReLU")]
    [InlineData("Sigmoid")]
    [InlineData("Tanh")]
    [InlineData("LeakyReLU")]
    public void Special_values_give_the_same_bits_on_every_path(string activation)
    {
        // NaN here is float.NaN, whose bits (0xFFC00000) are also the NaN x86 creates for ∞ − ∞ or 0 × ∞, so
        // every NaN in flight has one bit pattern and even NaN results must match exactly.
        float[] specials =
        [
            float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, -float.MaxValue, 1e30f, -1e30f,
            1e-40f, -1e-40f, float.Epsilon, 0f, -0f, 1e-30f, 88.7f, -104f, 1f, -1f,
        ];
        var random = new Random(17);
        foreach ((int k, int n) in new[] { (17, 33), (33, 17), (7, 3), (64, 128) })
        {
            var (weight, bias) = KernelPaths.RandomLayer(random, k, n);
            float[] x = KernelPaths.RandomValues(random, 19 * k, 4f);
            for (int i = 0; i < x.Length; i += 1 + random.Next(5))
            {
                x[i] = specials[random.Next(specials.Length)];
            }

            // Rows without any special value too, so that not every output is NaN.
            x.AsSpan(5 * k, k).Fill(0.5f);
            foreach (bool specialWeights in new[] { false, true })
            {
                if (specialWeights)
                {
                    for (int i = 0; i < weight.Length; i += 3 + random.Next(40))
                    {
                        weight[i] = specials[random.Next(specials.Length)];
                    }

                    bias[random.Next(n)] = float.PositiveInfinity;
                    bias[random.Next(n)] = float.NaN;
                }

                DenseWeights packed = DenseWeights.Pack(weight, bias, k, n);
                foreach (int rows in new[] { 1, 2, 3, 8, 9, 19 })
                {
                    AssertPathsAgree(KernelPaths.Dense(k, n, activation), packed, x.AsSpan(0, rows * k).ToArray(), rows, $"{k}→{n} {activation}, {rows} rows, special weights {specialWeights}");
                }
            }
        }
    }

    [Fact]
    public void NaN_inputs_of_any_payload_give_NaN_in_the_same_places_and_identical_bits_elsewhere()
    {
        // When two NaNs with different payloads meet in one instruction, x86 keeps the one in the first source
        // operand, and which operand that is depends on the instruction form the JIT picks (vfmadd231 vs 213;
        // glibc's fmaf with DOTNET_EnableHWIntrinsic=0 uses 213, the JIT 231). IEEE 754 leaves the payload
        // unspecified for exactly this reason, so for mixed payloads only NaN-ness is compared; every other
        // result must still match bit for bit.
        float[] nans =
        [
            BitConverter.Int32BitsToSingle(0x7FC00000), BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00000)),
            BitConverter.Int32BitsToSingle(0x7FC12345), BitConverter.Int32BitsToSingle(0x7F800001), float.PositiveInfinity,
        ];
        var random = new Random(5);
        const int k = 31;
        const int n = 40 - 7;
        var (weight, bias) = KernelPaths.RandomLayer(random, k, n);
        weight[3] = 0f;
        DenseWeights packed = DenseWeights.Pack(weight, bias, k, n);
        const int rows = 11;
        float[] x = KernelPaths.RandomValues(random, rows * k);
        for (int i = 0; i < x.Length; i += 2 + random.Next(9))
        {
            x[i] = nans[random.Next(nans.Length)];
        }

        var expected = new float[rows * n];
        DenseForward forward = KernelPaths.Dense(k, n, "Identity");
        forward(KernelPath.Scalar, x, expected, rows, packed);
        foreach (KernelPath path in KernelPaths.Available)
        {
            var y = new float[rows * n];
            forward(path, x, y, rows, packed);
            for (int i = 0; i < y.Length; i++)
            {
                if (float.IsNaN(expected[i]))
                {
                    Assert.True(float.IsNaN(y[i]), $"{path}: element {i} is {y[i]:R}, expected NaN.");
                }
                else
                {
                    Assert.Equal(KernelPaths.Bits(expected[i]), KernelPaths.Bits(y[i]));
                }
            }
        }
    }

    [Fact]
    public void Zero_rows_write_nothing_and_bad_sizes_throw()
    {
        DenseWeights packed = DenseWeights.Pack(new float[6], [], 3, 2);
        DenseForward forward = KernelPaths.Dense(3, 2, "ReLU");
        foreach (KernelPath path in KernelPaths.Available)
        {
            float[] y = [42f];
            forward(path, [], y, 0, packed);
            Assert.Equal(42f, y[0]);
            Assert.Throws<ArgumentException>(() => forward(path, new float[5], new float[4], 2, packed));
            Assert.Throws<ArgumentException>(() => forward(path, new float[6], new float[3], 2, packed));
            Assert.Throws<ArgumentException>(() => forward(path, new float[3], new float[2], -1, packed));
            DenseWeights other = DenseWeights.Pack(new float[8], [], 4, 2);
            Assert.Throws<ArgumentException>(() => forward(path, new float[8], new float[4], 2, other));
        }
    }

    [Fact]
    public void Output_past_the_rows_is_never_written()
    {
        var random = new Random(3);
        foreach ((int k, int n) in new[] { (5, 1), (17, 15), (33, 17), (16, 31), (7, 33) })
        {
            var (weight, bias) = KernelPaths.RandomLayer(random, k, n);
            DenseWeights packed = DenseWeights.Pack(weight, bias, k, n);
            DenseForward forward = KernelPaths.Dense(k, n, "Identity");
            foreach (int rows in new[] { 1, 2, 3, 7, 8, 9, 13 })
            {
                float[] x = KernelPaths.RandomValues(random, rows * k);
                foreach (KernelPath path in KernelPaths.Available)
                {
                    var y = new float[(rows * n) + 40];
                    y.AsSpan().Fill(-7f);
                    forward(path, x, y.AsSpan(0, rows * n), rows, packed);
                    Assert.All(y.Skip(rows * n), v => Assert.Equal(-7f, v));
                }
            }
        }
    }

    [Fact]
    public void Spans_ending_at_an_unmapped_page_are_read_and_written_only_inside()
    {
        if (!GuardedBuffer.IsSupported)
        {
            return;
        }

        var random = new Random(11);
        foreach ((int k, int n) in new[] { (1, 1), (3, 17), (17, 3), (33, 33), (9, 50) })
        {
            var (weight, bias) = KernelPaths.RandomLayer(random, k, n);
            DenseWeights packed = DenseWeights.Pack(weight, bias, k, n);
            DenseForward forward = KernelPaths.Dense(k, n, "Sigmoid");
            foreach (int rows in new[] { 1, 2, 5, 8, 9, 11 })
            {
                float[] x = KernelPaths.RandomValues(random, rows * k);
                var expected = new float[rows * n];
                forward(KernelPath.Scalar, x, expected, rows, packed);
                foreach (KernelPath path in KernelPaths.Available)
                {
                    // A stray access past either span faults and takes the test process down.
                    using var input = new GuardedBuffer(rows * k);
                    using var output = new GuardedBuffer(rows * n);
                    x.CopyTo(input.Span);
                    forward(path, input.Span, output.Span, rows, packed);
                    KernelPaths.AssertBitIdentical(expected, output.Span, $"{k}→{n}, {rows} rows, {path}, guarded");
                }
            }
        }
    }

    internal static void AssertPathsAgree(DenseForward forward, DenseWeights packed, float[] x, int rows, string what)
    {
        int n = packed.Outputs;
        var expected = new float[rows * n];
        forward(KernelPath.Scalar, x, expected, rows, packed);
        foreach (KernelPath path in KernelPaths.Available.Skip(1))
        {
            var y = new float[rows * n];
            forward(path, x, y, rows, packed);
            KernelPaths.AssertBitIdentical(expected, y, $"{what}, {path}");
        }
    }

    private static double[] Reference(float[] x, float[] weight, float[] bias, int rows, int inputs, int outputs, string activation)
    {
        var y = new double[rows * outputs];
        for (int r = 0; r < rows; r++)
        {
            for (int o = 0; o < outputs; o++)
            {
                double acc = bias[o];
                for (int i = 0; i < inputs; i++)
                {
                    acc += (double)x[(r * inputs) + i] * weight[(o * inputs) + i];
                }

                y[(r * outputs) + o] = activation switch
                {
                    "Identity" => acc,
                    "ReLU" => Math.Max(acc, 0),
                    "LeakyReLU" => acc < 0 ? acc * 0.01f : acc,
                    "Sigmoid" => 1 / (1 + Math.Exp(-acc)),
                    "Tanh" => Math.Tanh(acc),
                    "GELU" => DoubleReference.Gelu(acc),
                    "GELUTanh" => DoubleReference.GeluTanh(acc),
                    "SiLU" => DoubleReference.Silu(acc),
                    "ELU" => DoubleReference.Elu(acc, Alpha17.Value),
                    "Softplus" => DoubleReference.Softplus(acc, Beta25.Value, Threshold7.Value),
                    _ => throw new ArgumentOutOfRangeException(nameof(activation)),
                };
            }
        }

        return y;
    }
}
