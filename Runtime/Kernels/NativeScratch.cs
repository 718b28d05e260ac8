using System;
using System.ComponentModel;
using System.Runtime.InteropServices;

namespace StaticNet.Kernels;

/// <summary>
/// Activation memory for networks whose layers are too wide for the stack: 64-byte aligned native memory,
/// owned by one call of <c>Forward</c> and freed when it returns. Native, so <c>Forward</c> still allocates
/// nothing on the managed heap; per call, so nothing mutable lives on the shared network instance. Exists for
/// generated code; not meant to be used directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly unsafe ref struct NativeScratch
{
    private readonly float* _memory;
    private readonly int _length;

    private NativeScratch(float* memory, int length)
    {
        _memory = memory;
        _length = length;
    }

    /// <summary>The memory, <c>length</c> floats; contents are undefined until written.</summary>
    public Span<float> Span => new(_memory, _length);

    /// <summary>Allocates <paramref name="length"/> floats.</summary>
    public static NativeScratch Allocate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var memory = (float*)NativeMemory.AlignedAlloc((nuint)Math.Max(1, length) * sizeof(float), 64);
        return new NativeScratch(memory, length);
    }

    /// <summary>Frees the memory.</summary>
    public void Dispose() => NativeMemory.AlignedFree(_memory);
}
