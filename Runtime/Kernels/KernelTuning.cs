using System;
using System.Globalization;
using System.IO;

namespace StaticNet.Kernels;

/// <summary>
/// The numbers the kernels are tuned with, in one place: each says what it is, why it has its value and what measured
/// it. None of them changes a result, only how fast it comes: every output is the same canonical sum (see
/// <see cref="DenseKernel"/>) whichever block, tile or thread computes it, so tuning one for another machine is safe.
/// </summary>
/// <remarks>
/// Not here: the generated network's rows per block and its stack and native-memory budgets, which the source
/// generator decides per network (<c>Generator/Emit/ForwardPlan.cs</c>; it cannot reference this assembly), and the
/// parallel thresholds beside the code that wakes the workers (<c>ParallelRows.MinimumWork</c>,
/// <c>ParallelBatch.MinimumFlop</c>).
/// </remarks>
internal static class KernelTuning
{
    /// <summary>
    /// Rows in the AVX-512 kernel's register block: 8 rows × 3 panels = 24 accumulators + 3 weight vectors + 1
    /// broadcast = 28 of the 32 zmm registers. Per k that is 24 FMAs (12 cycles on two FMA pipes) against 3 weight
    /// loads and 8 broadcasts, and every weight vector fetched from L2 feeds 8 FMAs, the most reuse that fits. Its
    /// type form, for the generic kernels, is <see cref="Block8"/>. The parallel paths hand out rows in multiples of
    /// it so that every share runs whole blocks.
    /// </summary>
    public const int RowBlock512 = 8;

    /// <summary>
    /// Rows in the AVX2 kernel's register block: 6 rows × 1 panel (two ymm halves) = 12 accumulators + 2 weight halves
    /// + 1 broadcast = 15 of the 16 ymm registers. 12 independent chains cover the FMA latency (4 cycles × 2 pipes).
    /// Its type form is <see cref="Block6"/>.
    /// </summary>
    public const int RowBlock256 = 6;

    /// <summary>
    /// Rows in the 128-bit kernel's register block. On ARM64 (32 × 128-bit registers): 6 rows × 1 panel (four quarters)
    /// = 24 accumulators + 4 weight quarters + 1 broadcast = 29 registers; per k, 24 FMAs against 4 loads and 6
    /// broadcasts, enough independent chains for 4 FMA pipes of 4 cycles' latency. On x64 forced to 128 bits (16 xmm
    /// registers) the same rows take a panel in two halves of 2 quarters: 12 accumulators + 2 weights + 1 broadcast,
    /// the AVX2 block's shape at half the width. Its type form is <see cref="Block6"/>. (Not measured on ARM64 hardware:
    /// sized from the register count and the FMA latency.)
    /// </summary>
    public const int RowBlock128 = 6;

    /// <summary>
    /// Panels in the AVX-512 register block's column block (see <see cref="RowBlock512"/>): 3, so that 8 × 3
    /// accumulators fit the registers.
    /// </summary>
    public const int PanelBlock512 = 3;

    /// <summary>
    /// Panels the one-row kernel streams at once. At one row each weight is used once, so what matters is the stream
    /// rate: 4 concurrent panel streams measured ~207 GB/s from L2 on Zen 5 (~90% of a plain sequential read), 8
    /// streams ~172 GB/s, and software prefetch only lowered it. 4 chains of FMAs at 4 cycles' latency still consume
    /// 64 B per cycle, L2's own limit. <see cref="ParallelColumns"/> hands out panels in groups of this size.
    /// </summary>
    public const int SingleRowPanels = 4;

    /// <summary>
    /// The largest column block int8 widens to float32 for a batch of 16 rows or more (bfloat16 pairs widen in one instruction and need no scratch),
    /// so that it stays in L2 beside the rows: 3 panels × K × 64 bytes, up to K = 1024 (192 KB). Wider layers widen
    /// each weight at every use.
    /// </summary>
    public const int WidenedBlockBytes = 192 * 1024;

    /// <summary>
    /// Input floats per row tile (256 KB): a tile of rows is multiplied by one column block of weights after another,
    /// so the tile stays in L2 while each column block (3 panels × K) is streamed once per tile. A quarter of the
    /// smallest L2 this was measured on (1 MB, Zen 4/5), so it is kept fixed rather than derived from
    /// <see cref="CacheSizes.L2Bytes"/>: on a larger L2 it still fits, with room for the weights beside it.
    /// </summary>
    public const int InputTileFloats = 64 * 1024;

    /// <summary>
    /// The L2 assumed where the machine does not say (not Linux, no sysfs, or an answer that makes no sense): one
    /// core's L2 on Zen 4 and Zen 5, where the kernels were tuned, and smaller than on most current server cores, so
    /// a layer is at worst treated as too large a little early.
    /// </summary>
    public const long FallbackL2Bytes = 1024 * 1024;
}

/// <summary>
/// The processor's cache sizes, read once at start-up. .NET has no API for them; on Linux the kernel lists them in
/// sysfs (<c>/sys/devices/system/cpu/cpu0/cache/index*/</c>), elsewhere <see cref="KernelTuning.FallbackL2Bytes"/>
/// is used.
/// </summary>
/// <remarks>
/// The only decision taken from it, "a layer outgrows L2", changes the order in which rows and panels are visited,
/// never a sum, so any value gives the same bits. It is a <c>static readonly</c> in a class without a static
/// constructor (so <c>beforefieldinit</c>): CoreCLR's JIT runs the initialiser when it first compiles a method that
/// reads the field and then compiles the field as a constant, even in an <c>AggressiveOptimization</c> method that is
/// compiled before any kernel has run (seen in the JIT's disassembly of <c>ForwardVector512</c>: no load of the
/// field, the untaken branch gone). <see cref="DenseWeights"/> also reads it as it packs, so that it is initialised
/// before any kernel runs wherever that is not so; the worst case (Native AOT, which cannot run file reads at
/// compile time) is one load and an initialisation check per layer call, with the same answer.
/// </remarks>
internal static class CacheSizes
{
    /// <summary>One core's L2 in bytes.</summary>
    public static readonly long L2Bytes = ReadL2Bytes(ReadSysfsFile);

    // Beyond these the answer is not a per-core L2 (or not a number the kernels should plan with).
    private const long SmallestPlausibleL2 = 64 * 1024;
    private const long LargestPlausibleL2 = 64L * 1024 * 1024;

    // Linux lists at most a handful of cache levels per CPU; the loop stops at the first missing index anyway.
    private const int MaximumCacheIndices = 16;

    /// <summary>
    /// The L2 size from sysfs-like files: <paramref name="readFile"/> returns a file's text, or null if it does not
    /// exist, for the paths <c>index{i}/level</c>, <c>index{i}/type</c> and <c>index{i}/size</c> (relative to the
    /// CPU's cache folder). Returns the first unified or data cache of level 2 whose size parses and is plausible,
    /// otherwise <see cref="KernelTuning.FallbackL2Bytes"/>.
    /// </summary>
    internal static long ReadL2Bytes(Func<string, string?> readFile)
    {
        for (int i = 0; i < MaximumCacheIndices; i++)
        {
            string? level = readFile($"index{i}/level");
            if (level is null)
            {
                break;
            }

            string? type = readFile($"index{i}/type")?.Trim();
            if (level.Trim() != "2" || type is not ("Unified" or "Data"))
            {
                continue;
            }

            long? size = ParseSize(readFile($"index{i}/size"));
            if (size is >= SmallestPlausibleL2 and <= LargestPlausibleL2)
            {
                return size.Value;
            }
        }

        return KernelTuning.FallbackL2Bytes;
    }

    /// <summary>A sysfs cache size such as <c>2048K</c>, <c>1M</c> or <c>524288</c>, in bytes; null if it is not one.</summary>
    internal static long? ParseSize(string? text)
    {
        string value = text?.Trim() ?? "";
        long unit = 1;
        if (value.Length > 0 && char.ToUpperInvariant(value[^1]) is 'K' or 'M' or 'G')
        {
            unit = char.ToUpperInvariant(value[^1]) switch { 'K' => 1024L, 'M' => 1024L * 1024, _ => 1024L * 1024 * 1024 };
            value = value[..^1];
        }

        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long count) && count <= long.MaxValue / unit
            ? count * unit
            : null;
    }

    /// <summary>Reads a file under cpu0's cache folder in sysfs; null on any other system or any failure.</summary>
    private static string? ReadSysfsFile(string relativePath)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            return File.ReadAllText("/sys/devices/system/cpu/cpu0/cache/" + relativePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            return null;
        }
    }
}
