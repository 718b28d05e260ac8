using System;
using System.Runtime.Intrinsics;
using StaticNet.Kernels;
using Xunit.Abstractions;

namespace StaticNet.Generator.Tests.Kernels;

/// <summary>
/// <see cref="ExpKernel"/>'s 128-bit form, <see cref="ErfKernel"/>, <see cref="Expm1Kernel"/> and
/// <see cref="Log1pKernel"/>: four forms that agree bit for bit, accuracy against <see cref="DoubleReference"/>
/// over the whole float range, and the special values.
/// </summary>
public sealed class TranscendentalKernelTests(ITestOutputHelper output)
{
    public static TheoryData<string> Kernels() => new(["Exp", "Erf", "Expm1", "Log1p"]);

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Scalar_and_vector_forms_agree_bit_for_bit_on_a_million_inputs_and_special_values(string kernel)
    {
        switch (kernel)
        {
            case "Exp": FourForms.AssertAgree<ExpForms>(FourForms.Inputs(1, 110f, 88.72283935546875f, -103.97208f, 0.34657359f), kernel); break;
            case "Erf": FourForms.AssertAgree<ErfForms>(FourForms.Inputs(2, 6f, 1f, 4f, 0.5f), kernel); break;
            case "Expm1": FourForms.AssertAgree<Expm1Forms>(FourForms.Inputs(3, 110f, 0.6931472f, 88.72283935546875f, -103.97208f), kernel); break;
            default: FourForms.AssertAgree<Log1pForms>(FourForms.Inputs(4, 4f, 1f, 0.41421357f, 0.29289323f, 16777216f), kernel); break;
        }
    }

    [Fact]
    public void Erf_is_within_2_ulp_everywhere()
    {
        (long ulps, float at) = WorstUlps(ErfKernel.Erf, DoubleReference.Erf, 6f);
        output.WriteLine($"erf: {ulps} ulp at {at:R}");
        Assert.True(ulps <= 2, $"{ulps} ulp at x = {at:R}.");
    }

    [Fact]
    public void Expm1_is_within_2_ulp_up_to_ln2_and_4_ulp_above()
    {
        (long ulps, float at) = WorstUlps(x => x <= 0.6931472f ? Expm1Kernel.Expm1(x) : float.NaN, DoubleReference.Expm1, 90f);
        output.WriteLine($"expm1, x ≤ ln 2: {ulps} ulp at {at:R}");
        Assert.True(ulps <= 2, $"{ulps} ulp at x = {at:R}.");
        (ulps, at) = WorstUlps(x => x > 0.6931472f ? Expm1Kernel.Expm1(x) : float.NaN, DoubleReference.Expm1, 90f);
        output.WriteLine($"expm1, x > ln 2: {ulps} ulp at {at:R}");
        Assert.True(ulps <= 4, $"{ulps} ulp at x = {at:R}.");
    }

    [Fact]
    public void Log1p_is_within_2_ulp_everywhere_above_minus_one()
    {
        (long ulps, float at) = WorstUlps(Log1pKernel.Log1p, DoubleReference.Log1p, 3f);
        output.WriteLine($"log1p: {ulps} ulp at {at:R}");
        Assert.True(ulps <= 2, $"{ulps} ulp at x = {at:R}.");
    }

    [Fact]
    public void Exp_Vector128_is_the_scalar_exp()
    {
        // Beside the bit-identity theory: a hand-picked vector whose lanes take different branches.
        Vector128<float> x = Vector128.Create(-200f, 0.5f, 88.7228f, float.NaN);
        Vector128<float> y = ExpKernel.Exp(x);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(KernelPaths.Bits(ExpKernel.Exp(x.GetElement(i))), KernelPaths.Bits(y.GetElement(i)));
        }
    }

    [Fact]
    public void Special_values_give_the_limits()
    {
        foreach (float nan in new[] { float.NaN, -float.NaN, BitConverter.Int32BitsToSingle(0x7FC12345) })
        {
            Assert.True(float.IsNaN(ErfKernel.Erf(nan)));
            Assert.True(float.IsNaN(Expm1Kernel.Expm1(nan)));
            Assert.True(float.IsNaN(Log1pKernel.Log1p(nan)));
        }

        Assert.Equal(1f, ErfKernel.Erf(float.PositiveInfinity));
        Assert.Equal(-1f, ErfKernel.Erf(float.NegativeInfinity));
        Assert.Equal(1f, ErfKernel.Erf(float.MaxValue));
        Assert.Equal(-1f, ErfKernel.Erf(-4.5f));
        Assert.Equal(KernelPaths.Bits(0f), KernelPaths.Bits(ErfKernel.Erf(0f)));
        Assert.Equal(KernelPaths.Bits(-0f), KernelPaths.Bits(ErfKernel.Erf(-0f)));
        Assert.True(ErfKernel.Erf(float.Epsilon) > 0f && ErfKernel.Erf(-float.Epsilon) < 0f);

        Assert.Equal(KernelPaths.Bits(-0f), KernelPaths.Bits(Expm1Kernel.Expm1(-0f)));
        Assert.Equal(KernelPaths.Bits(0f), KernelPaths.Bits(Expm1Kernel.Expm1(0f)));
        Assert.Equal(-1f, Expm1Kernel.Expm1(float.NegativeInfinity));
        Assert.Equal(-1f, Expm1Kernel.Expm1(-float.MaxValue));
        Assert.Equal(-1f, Expm1Kernel.Expm1(-20f));
        Assert.Equal(float.PositiveInfinity, Expm1Kernel.Expm1(float.PositiveInfinity));
        Assert.Equal(float.PositiveInfinity, Expm1Kernel.Expm1(89f));
        Assert.Equal(1e-40f, Expm1Kernel.Expm1(1e-40f));
        Assert.Equal(-1e-30f, Expm1Kernel.Expm1(-1e-30f));

        Assert.Equal(KernelPaths.Bits(-0f), KernelPaths.Bits(Log1pKernel.Log1p(-0f)));
        Assert.Equal(KernelPaths.Bits(0f), KernelPaths.Bits(Log1pKernel.Log1p(0f)));
        Assert.Equal(float.NegativeInfinity, Log1pKernel.Log1p(-1f));
        Assert.True(float.IsNaN(Log1pKernel.Log1p(-1.0000001f)));
        Assert.True(float.IsNaN(Log1pKernel.Log1p(float.NegativeInfinity)));
        Assert.Equal(float.PositiveInfinity, Log1pKernel.Log1p(float.PositiveInfinity));
        Assert.Equal((float)Math.Log(float.MaxValue), Log1pKernel.Log1p(float.MaxValue));
        Assert.Equal(1e-40f, Log1pKernel.Log1p(1e-40f));
        Assert.Equal(-1e-30f, Log1pKernel.Log1p(-1e-30f));
    }

    /// <summary>
    /// The largest ulp distance from the reference over a million inputs where both are finite: random finite bit
    /// patterns (every exponent) and uniform values in ±<paramref name="range"/>, with 20,000 evenly spaced ones.
    /// Inputs where <paramref name="function"/> returns NaN on purpose are left out.
    /// </summary>
    private static (long Ulps, float At) WorstUlps(Func<float, float> function, Func<double, double> reference, float range)
    {
        var random = new Random(7);
        long worst = 0;
        float worstAt = 0;
        for (int i = 0; i < 1_000_000; i++)
        {
            float x = i < 20_000
                ? -range + (i * (2f * range / 20_000f))
                : i % 2 == 0 ? BitConverter.Int32BitsToSingle(random.Next() ^ (random.Next(2) << 31)) : ((random.NextSingle() * 2f) - 1f) * range;
            float y = function(x);
            double exact = reference(x);
            if (!float.IsFinite(x) || float.IsNaN(y) || double.IsNaN(exact))
            {
                continue;
            }

            long ulps = FourForms.Ulps(y, exact);
            if (ulps > worst)
            {
                worst = ulps;
                worstAt = x;
            }
        }

        return (worst, worstAt);
    }

    private readonly struct ExpForms : IActivation
    {
        public static float Apply(float x) => ExpKernel.Exp(x);

        public static Vector128<float> Apply(Vector128<float> x) => ExpKernel.Exp(x);

        public static Vector256<float> Apply(Vector256<float> x) => ExpKernel.Exp(x);

        public static Vector512<float> Apply(Vector512<float> x) => ExpKernel.Exp(x);
    }

    private readonly struct ErfForms : IActivation
    {
        public static float Apply(float x) => ErfKernel.Erf(x);

        public static Vector128<float> Apply(Vector128<float> x) => ErfKernel.Erf(x);

        public static Vector256<float> Apply(Vector256<float> x) => ErfKernel.Erf(x);

        public static Vector512<float> Apply(Vector512<float> x) => ErfKernel.Erf(x);
    }

    private readonly struct Expm1Forms : IActivation
    {
        public static float Apply(float x) => Expm1Kernel.Expm1(x);

        public static Vector128<float> Apply(Vector128<float> x) => Expm1Kernel.Expm1(x);

        public static Vector256<float> Apply(Vector256<float> x) => Expm1Kernel.Expm1(x);

        public static Vector512<float> Apply(Vector512<float> x) => Expm1Kernel.Expm1(x);
    }

    private readonly struct Log1pForms : IActivation
    {
        public static float Apply(float x) => Log1pKernel.Log1p(x);

        public static Vector128<float> Apply(Vector128<float> x) => Log1pKernel.Log1p(x);

        public static Vector256<float> Apply(Vector256<float> x) => Log1pKernel.Log1p(x);

        public static Vector512<float> Apply(Vector512<float> x) => Log1pKernel.Log1p(x);
    }
}
