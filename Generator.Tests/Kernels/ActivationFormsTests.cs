using System;
using System.Linq;
using System.Reflection;
using System.Runtime.Intrinsics;
using StaticNet.Kernels;
using Xunit.Abstractions;

namespace StaticNet.Generator.Tests.Kernels;

/// <summary>
/// Every activation's scalar, 128-, 256- and 512-bit forms agree bit for bit; the 128-bit element-wise path; the
/// accuracy of GELU, GELU (tanh), SiLU, ELU and Softplus against <see cref="DoubleReference"/>; their limits.
/// </summary>
public sealed class ActivationFormsTests(ITestOutputHelper output)
{
    private const float Alpha = 1.7f;      // Alpha17
    private const float Beta = 2.5f;       // Beta25
    private const float Threshold = 7f;    // Threshold7

    private delegate void ApplyInPlace(Span<float> values);

    public static TheoryData<string> ActivationNames() => new(TestTypes.Activations.Keys);

    [Theory]
    [MemberData(nameof(ActivationNames))]
    public void Scalar_and_vector_forms_agree_bit_for_bit_on_a_million_inputs_and_special_values(string activation)
    {
        // The places where a branch or a clamp switches, for each function; each is tried with its neighbours.
        float[] thresholds = [1.4142135f, 5.656854f, 0.6931472f, Threshold / Beta, 88.72284f, 103.97208f, 7e12f, 1.5e13f, 40f];
        float[] x = FourForms.Inputs(activation.Length, 30f, thresholds);
        typeof(FourForms).GetMethod(nameof(FourForms.AssertAgree))!
            .MakeGenericMethod(TestTypes.Activations[activation])
            .Invoke(null, [x, activation]);
    }

    [Theory]
    [MemberData(nameof(ActivationNames))]
    public void The_128_bit_elementwise_path_matches_the_scalar_path_and_stays_inside_the_span(string activation)
    {
        ApplyInPlace scalar = Path(nameof(ElementwiseKernel.ApplyScalar), activation);
        ApplyInPlace vector128 = Path(nameof(ElementwiseKernel.ApplyVector128), activation);
        var random = new Random(activation.Length + 100);
        foreach (int length in new[] { 0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 100, 1001 })
        {
            float[] x = KernelPaths.RandomValues(random, length, 30f);
            for (int i = 0; i < x.Length; i += 1 + random.Next(4))
            {
                x[i] = FourForms.Specials[random.Next(FourForms.Specials.Length)];
            }

            float[] expected = x.ToArray();
            scalar(expected);
            float[] y = x.ToArray();
            vector128(y);
            KernelPaths.AssertBitIdentical(expected, y, $"{activation}, {length} values, Vector128");
            if (GuardedBuffer.IsSupported)
            {
                using var buffer = new GuardedBuffer(length);
                x.CopyTo(buffer.Span);
                vector128(buffer.Span);
                KernelPaths.AssertBitIdentical(expected, buffer.Span, $"{activation}, {length} values, Vector128, guarded");
            }
        }
    }

    [Fact]
    public void GELU_GELUTanh_SiLU_ELU_and_Softplus_are_within_float_rounding_of_the_double_reference()
    {
        // GELU's 1 + erf(x/√2) cancels for x < 0 (in PyTorch's float formula too), and tanh's 1 − e^−2|x| near 0:
        // there the error is small in absolute terms only, so ulps are bounded where no such subtraction happens.
        AssertAccurate("GELU", GeluActivation.Apply, DoubleReference.Gelu, 2e-7, 3, x => x >= 0);
        AssertAccurate("GELU (tanh)", GeluTanhActivation.Apply, DoubleReference.GeluTanh, 3e-7, 6, x => x >= 0.1f);
        AssertAccurate("SiLU", SiLUActivation.Apply, DoubleReference.Silu, 2e-7, 3, x => true);
        AssertAccurate("ELU", EluActivation<Alpha17>.Apply, x => DoubleReference.Elu(x, Alpha), 2e-7, 3, x => true);
        // Softplus composes exp (≤ 2 ulp), log1p (≤ 1 ulp) and a division; exp's relative error passes through whole.
        AssertAccurate("Softplus", SoftplusActivation<Beta25, Threshold7>.Apply, x => DoubleReference.Softplus(x, Beta, Threshold), 2e-7, 8, x => true);
        AssertAccurate("Softplus(1, 20)", SoftplusActivation<One, Twenty>.Apply, x => DoubleReference.Softplus(x, 1, 20), 2e-7, 8, x => true);
    }

    [Fact]
    public void Limits_and_special_values()
    {
        foreach (float nan in new[] { float.NaN, -float.NaN })
        {
            Assert.True(float.IsNaN(GeluActivation.Apply(nan)));
            Assert.True(float.IsNaN(GeluTanhActivation.Apply(nan)));
            Assert.True(float.IsNaN(SiLUActivation.Apply(nan)));
            Assert.True(float.IsNaN(EluActivation<Alpha17>.Apply(nan)));
            Assert.True(float.IsNaN(SoftplusActivation<Beta25, Threshold7>.Apply(nan)));
        }

        // +∞ and large positive x pass through; −∞ and large negative x give the limits (0, 0, 0, −alpha, 0).
        foreach (float x in new[] { float.PositiveInfinity, float.MaxValue, 1e30f, 1e13f, 100f })
        {
            Assert.Equal(x, GeluActivation.Apply(x));
            Assert.Equal(x, GeluTanhActivation.Apply(x));
            Assert.Equal(x, SiLUActivation.Apply(x));
            Assert.Equal(x, EluActivation<Alpha17>.Apply(x));
            Assert.Equal(x, SoftplusActivation<Beta25, Threshold7>.Apply(x));
        }

        foreach (float x in new[] { float.NegativeInfinity, -float.MaxValue, -1e30f, -1e13f, -200f })
        {
            Assert.Equal(0f, GeluActivation.Apply(x));
            Assert.Equal(0f, GeluTanhActivation.Apply(x));
            Assert.Equal(0f, SiLUActivation.Apply(x));
            Assert.Equal(-Alpha, EluActivation<Alpha17>.Apply(x));
            Assert.Equal(0f, SoftplusActivation<Beta25, Threshold7>.Apply(x));
        }

        // Softplus is exactly x wherever β·x exceeds the threshold, and the formula just below it.
        float above = MathF.BitIncrement(Threshold / Beta);
        while (above * Beta <= Threshold)
        {
            above = MathF.BitIncrement(above);
        }

        Assert.Equal(above, SoftplusActivation<Beta25, Threshold7>.Apply(above));
        float below = MathF.BitDecrement(above);
        Assert.NotEqual(below, SoftplusActivation<Beta25, Threshold7>.Apply(below));
        Assert.Equal(MathF.Log(2f) / Beta, SoftplusActivation<Beta25, Threshold7>.Apply(0f), 6);

        Assert.Equal(0f, GeluActivation.Apply(0f));
        Assert.Equal(0f, EluActivation<Alpha17>.Apply(0f));
        Assert.Equal(KernelPaths.Bits(-0f), KernelPaths.Bits(EluActivation<Alpha17>.Apply(-0f)));
    }

    private void AssertAccurate(string name, Func<float, float> function, Func<double, double> reference, double bound, long ulpBound, Func<float, bool> ulpRegion)
    {
        // Uniform in ±40 (where every function is far from its limits), evenly spaced in ±12, and any finite float.
        var random = new Random(name.Length);
        double worst = 0;
        float worstAt = 0;
        long worstUlps = 0;
        float worstUlpsAt = 0;
        for (int i = 0; i < 1_000_000; i++)
        {
            float x = i < 100_000 ? -12f + (i * (24f / 100_000f))
                : i % 3 == 0 ? BitConverter.Int32BitsToSingle(random.Next() ^ (random.Next(2) << 31))
                : ((random.NextSingle() * 2f) - 1f) * 40f;
            if (!float.IsFinite(x))
            {
                continue;
            }

            float y = function(x);
            double exact = reference(x);
            double error = Math.Abs(y - exact) / Math.Max(1.0, Math.Abs(exact));
            if (!(error <= worst))
            {
                worst = error;
                worstAt = x;
            }

            if (Math.Abs(exact) >= 1e-3 && ulpRegion(x))
            {
                long ulps = FourForms.Ulps(y, exact);
                if (ulps > worstUlps)
                {
                    worstUlps = ulps;
                    worstUlpsAt = x;
                }
            }
        }

        output.WriteLine($"{name}: |Δ| / max(1, |y|) ≤ {worst:E2} (at {worstAt:R}); {worstUlps} ulp in the ulp region where |y| ≥ 1e-3 (at {worstUlpsAt:R})");
        Assert.True(worst <= bound, $"{name}: error {worst:E3} at x = {worstAt:R}.");
        Assert.True(worstUlps <= ulpBound, $"{name}: {worstUlps} ulp at x = {worstUlpsAt:R}.");
    }

    private static ApplyInPlace Path(string method, string activation)
        => typeof(ElementwiseKernel).GetMethod(method, BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(TestTypes.Activations[activation])
            .CreateDelegate<ApplyInPlace>();

    private readonly struct One : IFloatConstant
    {
        public static float Value => 1f;
    }

    private readonly struct Twenty : IFloatConstant
    {
        public static float Value => 20f;
    }
}
