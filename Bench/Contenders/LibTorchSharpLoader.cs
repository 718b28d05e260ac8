using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Text;

namespace StaticNet.Bench.Contenders;

/// <summary>
/// Makes TorchSharp-cpu 0.107's native wrapper load on a system libstdc++ older than GCC 13's (Debian 12 has GCC 12's,
/// up to GLIBCXX_3.4.30).
/// </summary>
/// <remarks>
/// libLibTorchSharp.so was linked against GCC 13's libstdc++ and so lists a need for symbol version GLIBCXX_3.4.32,
/// which makes the dynamic loader refuse it ("version `GLIBCXX_3.4.32' not found"). The one symbol it uses from that
/// version is <c>std::ios_base_library_init()</c>, which GCC 13's &lt;iostream&gt; only names (an assembler
/// <c>.globl</c> reference that pulls in the versioned libstdc++) and never calls: no relocation refers to it, and
/// the older libstdc++ initialises the standard streams itself. libtorch itself needs only GLIBCXX_3.4.30.
/// <para>
/// So before TorchSharp is first touched, the copy of libLibTorchSharp.so in the program's output folder gets that one
/// version need marked weak (VER_FLG_WEAK in its .gnu.version_r entry, one byte): the loader then accepts the library
/// and only notes the missing version. Nothing is patched when the loaded libstdc++ has GLIBCXX_3.4.32, or when any
/// other symbol depends on that version (then the error stays and is reported). The NuGet cache is never touched.
/// </para>
/// </remarks>
public static class LibTorchSharpLoader
{
    private const string NeededVersion = "GLIBCXX_3.4.32";
    private const string OnlySymbol = "_ZSt21ios_base_library_initv";
    private const uint ShtDynsym = 11, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>Patches the output folder's libLibTorchSharp.so if needed; returns what was done, for the report.</summary>
    public static string Prepare()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "not Linux: nothing to prepare";
        }

        string? path = new[]
        {
            Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"),
            Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so"),
        }.FirstOrDefault(File.Exists);
        if (path is null)
        {
            return "libLibTorchSharp.so not found next to the program; TorchSharp will look for it itself";
        }

        if (LoadedLibStdCxxHas(NeededVersion))
        {
            return $"the loaded libstdc++ has {NeededVersion}: no patch needed";
        }

        byte[] elf = File.ReadAllBytes(path);
        string result = MarkVersionWeak(elf, NeededVersion, OnlySymbol);
        if (result == "patched")
        {
            string temporary = path + ".patching";
            File.WriteAllBytes(temporary, elf);
            File.Move(temporary, path, overwrite: true);
            return $"libLibTorchSharp.so: the {NeededVersion} need (only {OnlySymbol}, never called) marked weak";
        }

        return $"libLibTorchSharp.so: {result}";
    }

    /// <summary>Whether the libstdc++ this process has loaded (the .NET runtime loads one) defines <paramref name="version"/>.</summary>
    private static bool LoadedLibStdCxxHas(string version)
    {
        string? library = File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(parts => parts.Length >= 6 && parts[5].Contains("libstdc++.so", StringComparison.Ordinal))
            .Select(parts => parts[5])
            .FirstOrDefault();
        if (library is null)
        {
            return false;
        }

        byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
        return File.ReadAllBytes(library).AsSpan().IndexOf(needle) >= 0;
    }

    /// <summary>
    /// Sets VER_FLG_WEAK on the need for <paramref name="version"/> in a little-endian ELF64 file, provided every
    /// dynamic symbol bound to that version is <paramref name="symbol"/>. Returns "patched", "already weak" or why not.
    /// </summary>
    internal static string MarkVersionWeak(byte[] elf, string version, string symbol)
    {
        ArgumentNullException.ThrowIfNull(elf);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2 || elf[5] != 1)
        {
            return "not a little-endian ELF64 file";
        }

        byte[] file = elf;
        long sectionTable = I64(file, 0x28);
        int sectionSize = U16(file, 0x3A);
        int sectionCount = U16(file, 0x3C);
        (uint Type, long Offset, long Size, int Link, int Info) Section(int i)
        {
            long header = sectionTable + ((long)i * sectionSize);
            return (U32(file, header + 4), I64(file, header + 0x18), I64(file, header + 0x20), (int)U32(file, header + 0x28), (int)U32(file, header + 0x2C));
        }

        int verneed = -1, versym = -1, dynsym = -1;
        for (int i = 0; i < sectionCount; i++)
        {
            switch (Section(i).Type)
            {
                case ShtGnuVerneed: verneed = i; break;
                case ShtGnuVersym: versym = i; break;
                case ShtDynsym: dynsym = i; break;
                default: break;
            }
        }

        if (verneed < 0 || versym < 0 || dynsym < 0)
        {
            return "no symbol versioning sections";
        }

        var need = Section(verneed);
        long strings = Section(need.Link).Offset;
        long entry = need.Offset;
        for (int n = 0; n < need.Info; n++)
        {
            int auxCount = U16(file, entry + 2);
            long aux = entry + U32(file, entry + 8);
            for (int a = 0; a < auxCount; a++)
            {
                if (Text(file, strings + U32(file, aux + 8)) == version)
                {
                    ushort flags = U16(file, aux + 4);
                    if ((flags & VerFlagWeak) != 0)
                    {
                        return "already weak";
                    }

                    int index = U16(file, aux + 6);
                    var symbols = Section(dynsym);
                    long symbolStrings = Section(symbols.Link).Offset;
                    long versions = Section(versym).Offset;
                    for (long s = 0; s < symbols.Size / 24; s++)
                    {
                        int symbolVersion = U16(file, versions + (2 * s)) & 0x7fff;
                        string name = Text(file, symbolStrings + U32(file, symbols.Offset + (24 * s)));
                        if (symbolVersion == index && name != symbol)
                        {
                            return $"{name} also needs {version}: not patched";
                        }
                    }

                    BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan((int)(aux + 4)), (ushort)(flags | VerFlagWeak));
                    return "patched";
                }

                aux += U32(file, aux + 12);
            }

            entry += U32(file, entry + 12);
        }

        return $"no need for {version}";
    }

    private static ushort U16(byte[] file, long offset) => BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan((int)offset));

    private static uint U32(byte[] file, long offset) => BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan((int)offset));

    private static long I64(byte[] file, long offset) => BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan((int)offset));

    private static string Text(byte[] file, long offset)
    {
        int length = file.AsSpan((int)offset).IndexOf((byte)0);
        return Encoding.ASCII.GetString(file, (int)offset, length);
    }
}
