using System;
using System.Collections.Generic;
using StaticNet.Kernels;

namespace StaticNet.Generator.Tests.Kernels;

// The generator emits one IDenseShape struct per layer; these stand in for it. A shape is composed from two
// dimension types so that any K × N in the list can be built (by reflection, for theories) without writing a
// struct for every pair.

/// <summary>A dimension as a type.</summary>
public interface IDimension
{
    /// <summary>The size.</summary>
    static abstract int Value { get; }
}

/// <summary>K × N from two dimension types.</summary>
public readonly struct Shape<TInputs, TOutputs> : IDenseShape
    where TInputs : struct, IDimension
    where TOutputs : struct, IDimension
{
    /// <inheritdoc/>
    public static int Inputs => TInputs.Value;

    /// <inheritdoc/>
    public static int Outputs => TOutputs.Value;
}

/// <summary>LeakyReLU's usual slope, as a type.</summary>
public readonly struct Slope001 : IFloatConstant
{
    /// <inheritdoc/>
    public static float Value => 0.01f;
}

/// <summary>An ELU alpha other than PyTorch's default 1, as a type.</summary>
public readonly struct Alpha17 : IFloatConstant
{
    /// <inheritdoc/>
    public static float Value => 1.7f;
}

/// <summary>A Softplus β other than PyTorch's default 1, as a type.</summary>
public readonly struct Beta25 : IFloatConstant
{
    /// <inheritdoc/>
    public static float Value => 2.5f;
}

/// <summary>A Softplus threshold other than PyTorch's default 20, as a type.</summary>
public readonly struct Threshold7 : IFloatConstant
{
    /// <inheritdoc/>
    public static float Value => 7f;
}

/// <summary>1.</summary>
public readonly struct D1 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 1;
}

/// <summary>2.</summary>
public readonly struct D2 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 2;
}

/// <summary>3.</summary>
public readonly struct D3 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 3;
}

/// <summary>5.</summary>
public readonly struct D5 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 5;
}

/// <summary>7.</summary>
public readonly struct D7 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 7;
}

/// <summary>9.</summary>
public readonly struct D9 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 9;
}

/// <summary>10.</summary>
public readonly struct D10 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 10;
}

/// <summary>15.</summary>
public readonly struct D15 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 15;
}

/// <summary>16.</summary>
public readonly struct D16 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 16;
}

/// <summary>17.</summary>
public readonly struct D17 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 17;
}

/// <summary>31.</summary>
public readonly struct D31 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 31;
}

/// <summary>33.</summary>
public readonly struct D33 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 33;
}

/// <summary>50.</summary>
public readonly struct D50 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 50;
}

/// <summary>64.</summary>
public readonly struct D64 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 64;
}

/// <summary>97.</summary>
public readonly struct D97 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 97;
}

/// <summary>128.</summary>
public readonly struct D128 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 128;
}

/// <summary>257.</summary>
public readonly struct D257 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 257;
}

/// <summary>300.</summary>
public readonly struct D300 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 300;
}

/// <summary>784.</summary>
public readonly struct D784 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 784;
}

/// <summary>1000.</summary>
public readonly struct D1000 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 1000;
}

/// <summary>1024.</summary>
public readonly struct D1024 : IDimension
{
    /// <inheritdoc/>
    public static int Value => 1024;
}

/// <summary>Maps sizes and names to the types above.</summary>
public static class TestTypes
{
    /// <summary>Every dimension with a type.</summary>
    public static readonly IReadOnlyDictionary<int, Type> Dimensions = new Dictionary<int, Type>
    {
        [1] = typeof(D1),
        [2] = typeof(D2),
        [3] = typeof(D3),
        [5] = typeof(D5),
        [7] = typeof(D7),
        [9] = typeof(D9),
        [10] = typeof(D10),
        [15] = typeof(D15),
        [16] = typeof(D16),
        [17] = typeof(D17),
        [31] = typeof(D31),
        [33] = typeof(D33),
        [50] = typeof(D50),
        [64] = typeof(D64),
        [97] = typeof(D97),
        [128] = typeof(D128),
        [257] = typeof(D257),
        [300] = typeof(D300),
        [784] = typeof(D784),
        [1000] = typeof(D1000),
        [1024] = typeof(D1024),
    };

    /// <summary>Every activation under test, by name.</summary>
    public static readonly IReadOnlyDictionary<string, Type> Activations = new Dictionary<string, Type>
    {
        ["Identity"] = typeof(IdentityActivation),
        ["ReLU"] = typeof(ReLUActivation),
        ["LeakyReLU"] = typeof(LeakyReLUActivation<Slope001>),
        ["Sigmoid"] = typeof(SigmoidActivation),
        ["Tanh"] = typeof(TanhActivation),
        ["GELU"] = typeof(GeluActivation),
        ["GELUTanh"] = typeof(GeluTanhActivation),
        ["SiLU"] = typeof(SiLUActivation),
        ["ELU"] = typeof(EluActivation<Alpha17>),
        ["Softplus"] = typeof(SoftplusActivation<Beta25, Threshold7>),
    };

    /// <summary>The shape type for K × N.</summary>
    public static Type Shape(int inputs, int outputs)
        => typeof(Shape<,>).MakeGenericType(Dimensions[inputs], Dimensions[outputs]);
}
