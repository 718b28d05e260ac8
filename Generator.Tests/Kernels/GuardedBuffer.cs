using System;
using System.Runtime.InteropServices;

namespace StaticNet.Generator.Tests.Kernels;

/// <summary>
/// Floats that end exactly where an inaccessible page begins (Linux), so a kernel that reads or writes even
/// one float past the span faults instead of silently touching a neighbour.
/// </summary>
internal sealed unsafe partial class GuardedBuffer : IDisposable
{
    private const int ProtRead = 1;
    private const int ProtWrite = 2;
    private const int MapPrivate = 2;
    private const int MapAnonymous = 0x20;

    private readonly nint _mapping;
    private readonly nuint _mappingLength;
    private readonly float* _start;
    private readonly int _length;

    public GuardedBuffer(int length)
    {
        nuint page = (nuint)Environment.SystemPageSize;
        nuint dataPages = (((nuint)length * sizeof(float)) + page - 1) / page;
        _mappingLength = (dataPages + 1) * page;
        _mapping = Mmap(0, _mappingLength, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (_mapping == -1)
        {
            throw new InvalidOperationException("mmap failed.");
        }

        byte* guard = (byte*)_mapping + (dataPages * page);
        if (Mprotect((nint)guard, page, 0) != 0)
        {
            throw new InvalidOperationException("mprotect failed.");
        }

        _start = (float*)guard - length;
        _length = length;
    }

    public static bool IsSupported => OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    public Span<float> Span => new(_start, _length);

    public void Dispose() => _ = Munmap(_mapping, _mappingLength);

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "mprotect")]
    private static partial int Mprotect(nint address, nuint length, int protection);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(nint address, nuint length);
}
