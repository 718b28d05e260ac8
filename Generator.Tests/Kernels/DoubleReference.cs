using System;

namespace StaticNet.Generator.Tests.Kernels;

/// <summary>
/// The functions the kernels approximate, in double precision and by different algorithms (series and continued
/// fractions, or .NET's double Math functions), as the independent reference for the float kernels. Each is
/// accurate to far better than a float ulp; DoubleReferenceTests checks them against published values.
/// </summary>
internal static class DoubleReference
{
    private static readonly double TwoOverSqrtPi = 2.0 / Math.Sqrt(Math.PI);

    /// <summary>erf(x).</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }

        double a = Math.Abs(x);
        double magnitude = a < 2.5 ? ErfSeries(a) : 1.0 - ErfcContinuedFraction(a);
        return x < 0 ? -magnitude : (x == 0 ? x : magnitude);
    }

    /// <summary>erfc(x) = 1 − erf(x), without cancellation for large x.</summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }

        if (x < 2.5)
        {
            return 1.0 - Erf(x);
        }

        return ErfcContinuedFraction(x);
    }

    /// <summary>e^x − 1: Taylor series near 0, e^x − 1 in double elsewhere.</summary>
    public static double Expm1(double x)
    {
        if (Math.Abs(x) >= 0.5 || double.IsNaN(x))
        {
            return Math.Exp(x) - 1.0;
        }

        double term = x;
        double sum = x;
        for (int n = 2; n < 30; n++)
        {
            term *= x / n;
            sum += term;
        }

        return sum;
    }

    /// <summary>ln(1 + x): 2·atanh(x / (2 + x)) as a series near 0, ln(1 + x) in double elsewhere.</summary>
    public static double Log1p(double x)
    {
        if (Math.Abs(x) >= 0.5 || double.IsNaN(x))
        {
            return Math.Log(1.0 + x);
        }

        double s = x / (2.0 + x);
        double s2 = s * s;
        double power = s;
        double sum = 0;
        for (int k = 0; k < 30; k++)
        {
            sum += power / ((2 * k) + 1);
            power *= s2;
        }

        return 2.0 * sum;
    }

    /// <summary>GELU with erf: ½x·erfc(−x/√2), which avoids 1 + erf's cancellation for negative x.</summary>
    public static double Gelu(double x) => double.IsNegativeInfinity(x) ? 0.0 : 0.5 * x * Erfc(-x / Math.Sqrt(2.0));

    /// <summary>GELU's tanh approximation.</summary>
    public static double GeluTanh(double x)
        => double.IsNegativeInfinity(x) ? 0.0 : 0.5 * x * (1.0 + Math.Tanh(Math.Sqrt(2.0 / Math.PI) * (x + (0.044715 * x * x * x))));

    /// <summary>x·sigmoid(x).</summary>
    public static double Silu(double x) => double.IsNegativeInfinity(x) ? 0.0 : x / (1.0 + Math.Exp(-x));

    /// <summary>ELU.</summary>
    public static double Elu(double x, double alpha) => x > 0 ? x : alpha * Expm1(x);

    /// <summary>Softplus with PyTorch's threshold rule.</summary>
    public static double Softplus(double x, double beta, double threshold)
        => x * beta > threshold ? x : Log1p(Math.Exp(x * beta)) / beta;

    /// <summary>2/√π·e^(−x²)·Σ 2^n·x^(2n+1) / (1·3·…·(2n+1)): every term positive, so no cancellation.</summary>
    private static double ErfSeries(double x)
    {
        double term = x;
        double sum = x;
        for (int n = 1; n < 200 && term > sum * 1e-18; n++)
        {
            term *= 2.0 * x * x / ((2 * n) + 1);
            sum += term;
        }

        return TwoOverSqrtPi * Math.Exp(-x * x) * sum;
    }

    /// <summary>erfc(x) = e^(−x²)/√π · 1/(x + ½/(x + 1/(x + (3/2)/(x + …)))), evaluated from 300 levels down.</summary>
    private static double ErfcContinuedFraction(double x)
    {
        if (double.IsPositiveInfinity(x))
        {
            return 0.0;
        }

        double tail = x;
        for (int k = 300; k >= 1; k--)
        {
            tail = x + ((k / 2.0) / tail);
        }

        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / tail;
    }
}
