namespace StaticNet.Kernels;

// Block sizes of the register-blocked kernels, as types. A kernel generic over these is compiled once per
// block size, so the number of rows and panels it handles is a constant in its machine code: untaken
// accumulators disappear, the rest stay in registers, and the loop body has no branches.

/// <summary>A small integer known when a generic kernel is compiled.</summary>
internal interface IBlockConstant
{
    /// <summary>The value.</summary>
    static abstract int Value { get; }
}

/// <summary>0.</summary>
internal readonly struct Block0 : IBlockConstant
{
    public static int Value => 0;
}

/// <summary>1.</summary>
internal readonly struct Block1 : IBlockConstant
{
    public static int Value => 1;
}

/// <summary>2.</summary>
internal readonly struct Block2 : IBlockConstant
{
    public static int Value => 2;
}

/// <summary>3.</summary>
internal readonly struct Block3 : IBlockConstant
{
    public static int Value => 3;
}

/// <summary>4.</summary>
internal readonly struct Block4 : IBlockConstant
{
    public static int Value => 4;
}

/// <summary>5.</summary>
internal readonly struct Block5 : IBlockConstant
{
    public static int Value => 5;
}

/// <summary>6.</summary>
internal readonly struct Block6 : IBlockConstant
{
    public static int Value => 6;
}

/// <summary>7.</summary>
internal readonly struct Block7 : IBlockConstant
{
    public static int Value => 7;
}

/// <summary>8.</summary>
internal readonly struct Block8 : IBlockConstant
{
    public static int Value => 8;
}
