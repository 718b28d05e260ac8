using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

/// <summary>
/// e^x in four forms (scalar, 4, 8 and 16 lanes) that agree bit for bit, so Sigmoid, Tanh, Softmax and the
/// functions built on it (SiLU, ELU, Softplus, GELU) give the same answer on every instruction-set path.
/// <see cref="MathF.Exp"/> cannot be used: its result comes from the C runtime and differs from any vector
/// formula in the last bit.
/// </summary>
/// <remarks>
/// The algorithm (Cephes' expf, ≤ 2 ulp on the normal range): write x = n·ln2 + r with |r| ≤ ln2/2, evaluate
/// e^r with a degree-7 polynomial in Horner form with fused multiply-adds, and scale by 2^n through the
/// exponent bits. Every step is an IEEE operation with one rounding (add, multiply, FMA, integer bit
/// arithmetic), and each form performs exactly the same steps in the same order. n is read from the bits of
/// the rounding "magic number" instead of a float→int conversion, because conversions of NaN differ between
/// scalar .NET (0) and x86 vector instructions (int.MinValue). The 2^n scaling is split into two factors so
/// that n = 128 (x just under ln(float.MaxValue)) and results in the subnormal range are both reached.
/// </remarks>
internal static class ExpKernel
{
    // Beyond these the result is exactly +∞ or +0 (e^-103.98 is below the smallest subnormal / 2).
    private const float Overflow = 88.72283935546875f;
    private const float Underflow = -103.97208f;

    private const float Log2E = 1.44269504088896341f;
    private const float RoundingMagic = 12582912f; // 1.5·2^23: adding it rounds to an integer kept in the low mantissa bits.
    private const int RoundingMagicBits = 0x4B400000;
    private const float Ln2Hi = 0.693359375f;        // ln 2 split in two so n·Ln2Hi is exact.
    private const float Ln2Lo = -2.12194440e-4f;

    private const float P0 = 1.9875691500e-4f;
    private const float P1 = 1.3981999507e-3f;
    private const float P2 = 8.3334519073e-3f;
    private const float P3 = 4.1665795894e-2f;
    private const float P4 = 1.6666665459e-1f;
    private const float P5 = 5.0000001201e-1f;

    /// <summary>e^x for one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x)
    {
        float clamped = x > Overflow ? Overflow : x;
        clamped = clamped < Underflow ? Underflow : clamped;

        float shifted = MathF.FusedMultiplyAdd(clamped, Log2E, RoundingMagic);
        int n = BitConverter.SingleToInt32Bits(shifted) - RoundingMagicBits;
        float nf = shifted - RoundingMagic;

        float r = MathF.FusedMultiplyAdd(nf, -Ln2Hi, clamped);
        r = MathF.FusedMultiplyAdd(nf, -Ln2Lo, r);

        float p = MathF.FusedMultiplyAdd(P0, r, P1);
        p = MathF.FusedMultiplyAdd(p, r, P2);
        p = MathF.FusedMultiplyAdd(p, r, P3);
        p = MathF.FusedMultiplyAdd(p, r, P4);
        p = MathF.FusedMultiplyAdd(p, r, P5);
        float y = MathF.FusedMultiplyAdd(p, r * r, r) + 1f;

        int half = n >> 1;
        float scaleA = BitConverter.Int32BitsToSingle((half + 127) << 23);
        float scaleB = BitConverter.Int32BitsToSingle((n - half + 127) << 23);
        float result = y * scaleA * scaleB;

        result = x > Overflow ? float.PositiveInfinity : result;
        return x < Underflow ? 0f : result;
    }

    /// <summary>e^x for 4 values (the 128-bit form, for processors without AVX2 such as ARM64 NEON); bit-identical to <see cref="Exp(float)"/> in every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x)
    {
        Vector128<float> overflow = Vector128.Create(Overflow);
        Vector128<float> underflow = Vector128.Create(Underflow);
        Vector128<float> clamped = Vector128.ConditionalSelect(Vector128.GreaterThan(x, overflow), overflow, x);
        clamped = Vector128.ConditionalSelect(Vector128.LessThan(clamped, underflow), underflow, clamped);

        Vector128<float> magic = Vector128.Create(RoundingMagic);
        Vector128<float> shifted = Vector128.FusedMultiplyAdd(clamped, Vector128.Create(Log2E), magic);
        Vector128<int> n = shifted.AsInt32() - Vector128.Create(RoundingMagicBits);
        Vector128<float> nf = shifted - magic;

        Vector128<float> r = Vector128.FusedMultiplyAdd(nf, Vector128.Create(-Ln2Hi), clamped);
        r = Vector128.FusedMultiplyAdd(nf, Vector128.Create(-Ln2Lo), r);

        Vector128<float> p = Vector128.FusedMultiplyAdd(Vector128.Create(P0), r, Vector128.Create(P1));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P2));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P3));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P4));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P5));
        Vector128<float> y = Vector128.FusedMultiplyAdd(p, r * r, r) + Vector128<float>.One;

        Vector128<int> bias = Vector128.Create(127);
        Vector128<int> half = Vector128.ShiftRightArithmetic(n, 1);
        Vector128<float> scaleA = Vector128.ShiftLeft(half + bias, 23).AsSingle();
        Vector128<float> scaleB = Vector128.ShiftLeft(n - half + bias, 23).AsSingle();
        Vector128<float> result = y * scaleA * scaleB;

        result = Vector128.ConditionalSelect(Vector128.GreaterThan(x, overflow), Vector128.Create(float.PositiveInfinity), result);
        return Vector128.ConditionalSelect(Vector128.LessThan(x, underflow), Vector128<float>.Zero, result);
    }

    /// <summary>e^x for 8 values; bit-identical to <see cref="Exp(float)"/> in every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        Vector256<float> overflow = Vector256.Create(Overflow);
        Vector256<float> underflow = Vector256.Create(Underflow);
        Vector256<float> clamped = Vector256.ConditionalSelect(Vector256.GreaterThan(x, overflow), overflow, x);
        clamped = Vector256.ConditionalSelect(Vector256.LessThan(clamped, underflow), underflow, clamped);

        Vector256<float> magic = Vector256.Create(RoundingMagic);
        Vector256<float> shifted = Vector256.FusedMultiplyAdd(clamped, Vector256.Create(Log2E), magic);
        Vector256<int> n = shifted.AsInt32() - Vector256.Create(RoundingMagicBits);
        Vector256<float> nf = shifted - magic;

        Vector256<float> r = Vector256.FusedMultiplyAdd(nf, Vector256.Create(-Ln2Hi), clamped);
        r = Vector256.FusedMultiplyAdd(nf, Vector256.Create(-Ln2Lo), r);

        Vector256<float> p = Vector256.FusedMultiplyAdd(Vector256.Create(P0), r, Vector256.Create(P1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P5));
        Vector256<float> y = Vector256.FusedMultiplyAdd(p, r * r, r) + Vector256<float>.One;

        Vector256<int> bias = Vector256.Create(127);
        Vector256<int> half = Vector256.ShiftRightArithmetic(n, 1);
        Vector256<float> scaleA = Vector256.ShiftLeft(half + bias, 23).AsSingle();
        Vector256<float> scaleB = Vector256.ShiftLeft(n - half + bias, 23).AsSingle();
        Vector256<float> result = y * scaleA * scaleB;

        result = Vector256.ConditionalSelect(Vector256.GreaterThan(x, overflow), Vector256.Create(float.PositiveInfinity), result);
        return Vector256.ConditionalSelect(Vector256.LessThan(x, underflow), Vector256<float>.Zero, result);
    }

    /// <summary>e^x for 16 values; bit-identical to <see cref="Exp(float)"/> in every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        Vector512<float> overflow = Vector512.Create(Overflow);
        Vector512<float> underflow = Vector512.Create(Underflow);
        Vector512<float> clamped = Vector512.ConditionalSelect(Vector512.GreaterThan(x, overflow), overflow, x);
        clamped = Vector512.ConditionalSelect(Vector512.LessThan(clamped, underflow), underflow, clamped);

        Vector512<float> magic = Vector512.Create(RoundingMagic);
        Vector512<float> shifted = Vector512.FusedMultiplyAdd(clamped, Vector512.Create(Log2E), magic);
        Vector512<int> n = shifted.AsInt32() - Vector512.Create(RoundingMagicBits);
        Vector512<float> nf = shifted - magic;

        Vector512<float> r = Vector512.FusedMultiplyAdd(nf, Vector512.Create(-Ln2Hi), clamped);
        r = Vector512.FusedMultiplyAdd(nf, Vector512.Create(-Ln2Lo), r);

        Vector512<float> p = Vector512.FusedMultiplyAdd(Vector512.Create(P0), r, Vector512.Create(P1));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P5));
        Vector512<float> y = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;

        Vector512<int> bias = Vector512.Create(127);
        Vector512<int> half = Vector512.ShiftRightArithmetic(n, 1);
        Vector512<float> scaleA = Vector512.ShiftLeft(half + bias, 23).AsSingle();
        Vector512<float> scaleB = Vector512.ShiftLeft(n - half + bias, 23).AsSingle();
        Vector512<float> result = y * scaleA * scaleB;

        result = Vector512.ConditionalSelect(Vector512.GreaterThan(x, overflow), Vector512.Create(float.PositiveInfinity), result);
        return Vector512.ConditionalSelect(Vector512.LessThan(x, underflow), Vector512<float>.Zero, result);
    }
}
