using System;

namespace StaticNet.Generator.Tests.Kernels;

/// <summary>
/// <see cref="DoubleReference"/> against published values (computed to 30 digits with mpmath), so the
/// reference the kernels are measured against is itself known to be right, on both sides of its branch points.
/// </summary>
public sealed class DoubleReferenceTests
{
    [Theory]
    [InlineData(0.5, 0.52049987781304654)]
    [InlineData(1.0, 0.84270079294971487)]
    [InlineData(2.0, 0.99532226501895273)]
    [InlineData(2.5, 0.99959304798255504)]
    [InlineData(3.0, 0.99997790950300141)]
    public void Erf_matches_published_values(double x, double erf)
    {
        AssertClose(erf, DoubleReference.Erf(x));
        AssertClose(-erf, DoubleReference.Erf(-x));
    }

    [Theory]
    [InlineData(2.4, 0.00068851389664507889)]
    [InlineData(3.0, 2.2090496998585441e-5)]
    [InlineData(5.0, 1.5374597944280349e-12)]
    [InlineData(10.0, 2.0884875837625448e-45)]
    [InlineData(26.0, 5.6631924088561428e-296)]
    public void Erfc_matches_published_values(double x, double erfc)
        => AssertClose(erfc, DoubleReference.Erfc(x), 1e-12); // below 2.5, 1 − erf(x) in double: still 10^4 below a float ulp

    [Fact]
    public void Expm1_and_Log1p_match_published_values()
    {
        AssertClose(1.00000000005e-10, DoubleReference.Expm1(1e-10));
        AssertClose(-0.25918177931828213, DoubleReference.Expm1(-0.3));
        AssertClose(9.9999999995000004e-11, DoubleReference.Log1p(1e-10));
        AssertClose(-0.35667494393873236, DoubleReference.Log1p(-0.3));
    }

    private static void AssertClose(double expected, double actual, double relative = 1e-14)
        => Assert.True(Math.Abs(actual - expected) <= relative * Math.Abs(expected), $"{actual:R}, expected {expected:R}.");
}
