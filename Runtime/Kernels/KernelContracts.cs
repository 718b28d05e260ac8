using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

// The kernels are written once, here, and specialised per network by the JIT (and by Native AOT's
// compiler): every size reaches them as a static abstract member of a struct the generator emits, and
// generic code over a struct type argument is compiled separately for each one, so `TShape.Inputs` is a
// constant in the machine code, loops get fixed trip counts and the AVX-512 / AVX2 / scalar choice is
// resolved when the method is compiled. The generated source stays short and safe (no unsafe code in the
// user's project) while the arithmetic lives in one tested place.

/// <summary>The sizes of one dense layer, as compile-time constants. Implemented by generated structs.</summary>
public interface IDenseShape
{
    /// <summary>Features per sample read by the layer (K).</summary>
    static abstract int Inputs { get; }

    /// <summary>Features per sample written by the layer (N).</summary>
    static abstract int Outputs { get; }
}

/// <summary>
/// An element-wise function applied in a kernel's epilogue while results are still in registers.
/// The scalar and vector forms must give bit-identical results for every input (NaN and ±∞ included):
/// that is what makes every instruction-set path agree.
/// </summary>
public interface IActivation
{
    /// <summary>The function on one value.</summary>
    static abstract float Apply(float x);

    /// <summary>The function on 4 values (the 128-bit path, for processors without AVX2 such as ARM64 NEON).</summary>
    static abstract Vector128<float> Apply(Vector128<float> x);

    /// <summary>The function on 8 values (AVX2 path).</summary>
    static abstract Vector256<float> Apply(Vector256<float> x);

    /// <summary>The function on 16 values (AVX-512 path).</summary>
    static abstract Vector512<float> Apply(Vector512<float> x);
}

/// <summary>A float constant as a type, for parameterised activations such as LeakyReLU's slope.</summary>
public interface IFloatConstant
{
    /// <summary>The constant.</summary>
    static abstract float Value { get; }
}
