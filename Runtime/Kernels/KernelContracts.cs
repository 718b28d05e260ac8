using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

// The kernels are written once, here, and specialised per network by the JIT (and by Native AOT's
// compiler): every size reaches them as a static abstract member of a struct the generator emits, and
// generic code over a struct type argument is compiled separately for each one, so `TShape.Inputs` is a
// constant in the machine code, loops get fixed trip counts and the AVX-512 / AVX2 / scalar choice is
// resolved when the method is compiled. The generated source stays short and safe (no unsafe code in the
// user's project) while the arithmetic lives in one tested place.

/// <summary>
/// The sizes of one dense layer, as compile-time constants. Exists for generated code, which implements it with one
/// struct per layer; not meant to be used directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
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
/// that is what makes every instruction-set path agree. Exists for generated code and the kernels, so it is hidden from
/// IntelliSense and may change between versions.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
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

/// <summary>
/// A float constant as a type, for parameterised activations such as LeakyReLU's slope. Exists for generated code,
/// which implements it for each slope; not meant to be used directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IFloatConstant
{
    /// <summary>The constant.</summary>
    static abstract float Value { get; }
}

/// <summary>
/// How a dense layer's weights are stored in <see cref="DenseWeights"/>' panels, turned into float32 for the FMAs, and
/// finished in the epilogue. The register-blocked kernels are generic over it, so a new format is a new type, not a copy
/// of the kernels; each format is compiled into its own machine code (for <see cref="Float32Weights"/>, the code the
/// kernels had before formats existed).
/// </summary>
/// <remarks>
/// <para>
/// Layout, common to every format: the N outputs are cut into panels of <see cref="DenseWeights.PanelWidth"/> = 16;
/// panel p holds, for k = 0..K−1 in order, one <em>step</em> of 16 weights W[16p + lane, k] side by side,
/// <see cref="StepBytes"/> apart, so panel p starts p × K × <see cref="StepBytes"/> bytes in, and a lane's weight is
/// <see cref="ElementBytes"/> × lane bytes into its step (a format that <see cref="PairsInputs"/> interleaves two steps
/// instead; its panels keep the same size). After the panels, <see cref="DenseWeights"/> keeps
/// <see cref="PerOutputFloats"/> arrays of N floats padded to whole panels: the bias first, then whatever else the
/// format's epilogue reads. A format packs its own data (<see cref="Float32Weights.Pack"/>).
/// </para>
/// <para>
/// The arithmetic stays canonical for every format: each weight is widened exactly to float32 and goes into one FMA
/// per k, in input order; then the epilogue (the same operations in scalar and vector form), activation included.
/// The narrower formats, <see cref="BFloat16Weights"/> and <see cref="Int8Weights"/>, are built this way:
/// </para>
/// <list type="bullet">
/// <item>bfloat16: <see cref="ElementBytes"/> 2, inputs in pairs (<see cref="PairsInputs"/>). A bfloat16 is a float's
/// top half, so a 32-bit lane holding inputs k and k + 1 widens to either exactly in one instruction: shifted left by
/// 16, it is k's float; masked with 0xFFFF0000, k + 1's (as <c>Float16.BFloat16BitsToSingle</c>). The epilogue adds the
/// bias. (Not <c>vdpbf16ps</c>: it adds pairs of products, which is not the canonical sum.)</item>
/// <item>int8 with one float32 scale per output channel: <see cref="ElementBytes"/> 1, <see cref="PerOutputFloats"/> 2
/// (bias, then scale). <c>Load512</c> sign-extends 16 bytes to int32 and converts them to float (exact); the sum runs
/// over the integer weights, and <c>Finish512</c> multiplies it by the outputs' scales (read a padded N after the
/// bias) and hands the result to <see cref="Float32Weights"/>' epilogue. The fused softmax
/// (<c>DenseKernel.ForwardSoftmax</c>) adds the bias itself, so such a format takes the unfused path there.</item>
/// </list>
/// <para>
/// Every member is inlined into the kernels, and the float32 kernels compile to the machine code they had before
/// formats existed. Two things keep it so. The epilogue is the format's whole <c>Finish</c>, not a step the kernels
/// call beside their own: the JIT's inlining budget is tight in the largest blocks (8 × 3 accumulators with sigmoid or
/// tanh inline their exp 24 times), and one more inlined call per accumulator, even one that does nothing, left calls
/// un-inlined there and spilled accumulators inside the K loop. And the kernels call the loads in statements, never in
/// a conditional expression, where the JIT does not inline a call.
/// </para>
/// </remarks>
internal unsafe interface IWeightFormat
{
    /// <summary>Bytes one packed weight takes.</summary>
    static abstract int ElementBytes { get; }

    /// <summary>Bytes from one step of a panel (16 weights of one k) to the next: 16 × <see cref="ElementBytes"/>.</summary>
    static abstract int StepBytes { get; }

    /// <summary>Float arrays of N kept after the panels: 1 for the bias alone; more for an epilogue that reads its own data.</summary>
    static abstract int PerOutputFloats { get; }

    /// <summary>
    /// True if the format interleaves inputs in pairs (bfloat16): inputs k and k + 1 (k even, k + 1 &lt; K) share one
    /// double step of 2 × <see cref="StepBytes"/>, each of its 32-bit lanes holding input k's weight in the low half and
    /// input k + 1's in the high half; the last input of an odd K keeps a plain step of its own. The kernels then take
    /// inputs two at a time (<see cref="StepPart.Low"/>, then <see cref="StepPart.High"/>, each its own FMA, in order).
    /// A JIT-time constant.
    /// </summary>
    static abstract bool PairsInputs { get; }

    /// <summary>
    /// The 16 weights at <paramref name="step"/> (64-byte aligned for float32), widened to float32: the step's own, or
    /// for a format that <see cref="PairsInputs"/>, the <paramref name="part"/> (<see cref="StepPart"/>) of the double
    /// step. <paramref name="part"/> is a constant at every call but the last step of an odd K.
    /// </summary>
    static abstract Vector512<float> Load512(byte* step, int part);

    /// <summary>
    /// Lanes 8 × <paramref name="half"/> to 8 × <paramref name="half"/> + 7 of the step at <paramref name="step"/>,
    /// widened to float32; <paramref name="half"/> is 0 or 1, a constant at every call; <paramref name="part"/> as for
    /// <see cref="Load512"/>.
    /// </summary>
    static abstract Vector256<float> Load256(byte* step, int half, int part);

    /// <summary>
    /// Lanes 4 × <paramref name="quarter"/> to 4 × <paramref name="quarter"/> + 3 of the step at <paramref name="step"/>,
    /// widened to float32; <paramref name="quarter"/> is 0 to 3, a constant at every call; <paramref name="part"/> as for
    /// <see cref="Load512"/>. The 128-bit path's load (ARM64 NEON, or forced on x64).
    /// </summary>
    static abstract Vector128<float> Load128(byte* step, int quarter, int part);

    /// <summary>
    /// The weight for input <paramref name="input"/> (of <paramref name="inputs"/>) of output <paramref name="lane"/>
    /// of the panel that starts at <paramref name="panel"/>, widened to float32.
    /// </summary>
    static abstract float LoadScalar(byte* panel, int lane, int input, int inputs);

    /// <summary>
    /// The epilogue of one accumulator: adds the bias of outputs 16 × <paramref name="panel"/> onwards (and does what
    /// else the format needs, such as int8's scales), applies the activation while the value is in a register and
    /// stores the 16 outputs of panel <paramref name="panel"/> of a row at <paramref name="row"/>; only the valid lanes
    /// of a partial last panel. <paramref name="bias"/> is the per-output data (see <see cref="PerOutputFloats"/>).
    /// </summary>
    static abstract void Finish512<TShape, TActivation>(Vector512<float> acc, float* bias, float* row, int panel)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation;

    /// <summary><see cref="Finish512{TShape, TActivation}"/> for an accumulator held as two halves.</summary>
    static abstract void Finish256<TShape, TActivation>(Vector256<float> low, Vector256<float> high, float* bias, float* row, int panel)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation;

    /// <summary>
    /// <see cref="Finish512{TShape, TActivation}"/> for a quarter of a panel: the 4 outputs from
    /// 16 × <paramref name="panel"/> + 4 × <paramref name="quarter"/> onwards (only those below N are stored).
    /// </summary>
    static abstract void Finish128<TShape, TActivation>(Vector128<float> acc, float* bias, float* row, int panel, int quarter)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation;

    /// <summary><see cref="Finish512{TShape, TActivation}"/> for output <paramref name="output"/> alone; returns the value to store.</summary>
    static abstract float FinishScalar<TShape, TActivation>(float sum, float* bias, int output)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation;
}

/// <summary>Which weights of a step <see cref="IWeightFormat.Load512"/> and its narrower forms widen.</summary>
internal static class StepPart
{
    /// <summary>The step's own weights: every step of a format that does not pair inputs, and the last input of an odd K.</summary>
    public const int Whole = 0;

    /// <summary>The first input of a double step (the low halves of its 32-bit lanes).</summary>
    public const int Low = 1;

    /// <summary>The second input of a double step (the high halves).</summary>
    public const int High = 2;

    /// <summary>Inputs a kernel's K loop takes per iteration: 2 for a format that pairs inputs, else 1 (a JIT-time constant).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int InputsPerIteration<TFormat>()
        where TFormat : struct, IWeightFormat
        => TFormat.PairsInputs ? 2 : 1;

    /// <summary>
    /// The part an iteration of the K loop at <paramref name="xk"/> starts with: <see cref="Low"/> for a format that
    /// pairs inputs unless <paramref name="xk"/> is the last input of an odd K, else <see cref="Whole"/>. A JIT-time
    /// constant but for a paired format with an odd K. An iteration that starts with <see cref="Low"/> goes on with
    /// <see cref="High"/> for the next input.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe int First<TFormat, TShape>(float* xk, float* xEnd)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        => !TFormat.PairsInputs ? Whole
            : TShape.Inputs % 2 == 0 || xk + 1 < xEnd ? Low
            : Whole;

    /// <summary><see cref="First{TFormat, TShape}(float*, float*)"/> for the iteration at input <paramref name="input"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int First<TFormat, TShape>(int input)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        => !TFormat.PairsInputs ? Whole
            : TShape.Inputs % 2 == 0 || input + 1 < TShape.Inputs ? Low
            : Whole;
}
