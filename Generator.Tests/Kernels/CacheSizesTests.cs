using System;
using System.Collections.Generic;
using StaticNet.Kernels;

namespace StaticNet.Generator.Tests.Kernels;

/// <summary>
/// <c>CacheSizes</c>: the L2 size read from sysfs-like text, and the fallback when the text is missing or makes no
/// sense. (Whatever it finds, the kernels' results do not change: the panel-range, path and parallel tests run with
/// the machine's own value.)
/// </summary>
public sealed class CacheSizesTests
{
    // cpu0's cache folder on this project's machines: an Intel Xeon (48K L1d, 32K L1i, 2 MB L2, shared L3) and
    // AMD Zen 4/5 (32K L1d, 32K L1i, 1 MB L2, 32 MB L3).
    private static readonly Dictionary<string, string> Xeon = Folder(
        ("1", "Data", "48K\n"), ("1", "Instruction", "32K\n"), ("2", "Unified", "2048K\n"), ("3", "Unified", "307200K\n"));

    private static readonly Dictionary<string, string> Zen = Folder(
        ("1", "Data", "32K\n"), ("1", "Instruction", "32K\n"), ("2", "Unified", "1024K\n"), ("3", "Unified", "32768K\n"));

    [Fact]
    public void The_level_2_cache_is_found_among_the_others()
    {
        Assert.Equal(2L * 1024 * 1024, CacheSizes.ReadL2Bytes(Reader(Xeon)));
        Assert.Equal(1L * 1024 * 1024, CacheSizes.ReadL2Bytes(Reader(Zen)));
    }

    [Fact]
    public void A_level_2_cache_listed_first_or_in_megabytes_is_read_too()
    {
        var folder = Folder(("2", "Unified", "1M"), ("1", "Data", "32K"));
        Assert.Equal(1L * 1024 * 1024, CacheSizes.ReadL2Bytes(Reader(folder)));
    }

    [Theory]
    [InlineData("2048K", 2L * 1024 * 1024)]
    [InlineData(" 512K\n", 512L * 1024)]
    [InlineData("1M", 1L * 1024 * 1024)]
    [InlineData("1g", 1L * 1024 * 1024 * 1024)]
    [InlineData("524288", 524288L)]
    public void Sizes_parse_with_their_unit(string text, long bytes)
        => Assert.Equal(bytes, CacheSizes.ParseSize(text));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("K")]
    [InlineData("-1K")]
    [InlineData("2048 K")]
    [InlineData("1.5M")]
    [InlineData("0x800K")]
    [InlineData("99999999999999999999K")]
    [InlineData("9223372036854775807K")]
    public void Garbage_is_not_a_size(string? text)
        => Assert.Null(CacheSizes.ParseSize(text));

    [Fact]
    public void No_cache_folder_gives_the_fallback()
        => Assert.Equal(KernelTuning.FallbackL2Bytes, CacheSizes.ReadL2Bytes(_ => null));

    [Theory]
    [InlineData("2", "Unified", "garbage")]
    [InlineData("2", "Unified", "")]
    [InlineData("2", "Unified", "0K")]
    [InlineData("2", "Unified", "16K")] // smaller than any real L2
    [InlineData("2", "Unified", "1024M")] // larger than any real per-core L2
    [InlineData("2", "Instruction", "1024K")] // not a data cache
    [InlineData("two", "Unified", "1024K")]
    [InlineData("3", "Unified", "1024K")] // no level 2 at all
    public void A_folder_without_a_sensible_level_2_cache_gives_the_fallback(string level, string type, string size)
    {
        var folder = Folder(("1", "Data", "48K"), (level, type, size));
        Assert.Equal(KernelTuning.FallbackL2Bytes, CacheSizes.ReadL2Bytes(Reader(folder)));
    }

    [Fact]
    public void A_gap_in_the_indices_ends_the_search()
    {
        // index0, then index2: the kernel numbers them without gaps, so nothing after a missing one is read.
        var folder = new Dictionary<string, string>
        {
            ["index0/level"] = "1", ["index0/type"] = "Data", ["index0/size"] = "48K",
            ["index2/level"] = "2", ["index2/type"] = "Unified", ["index2/size"] = "2048K",
        };
        Assert.Equal(KernelTuning.FallbackL2Bytes, CacheSizes.ReadL2Bytes(Reader(folder)));
    }

    [Fact]
    public void The_machines_own_value_is_plausible()
    {
        // Whatever this machine reports (or the fallback), it is what the kernels plan with.
        Assert.InRange(CacheSizes.L2Bytes, 64L * 1024, 64L * 1024 * 1024);
    }

    private static Func<string, string?> Reader(Dictionary<string, string> files)
        => path => files.TryGetValue(path, out string? text) ? text : null;

    private static Dictionary<string, string> Folder(params (string Level, string Type, string Size)[] caches)
    {
        var files = new Dictionary<string, string>();
        for (int i = 0; i < caches.Length; i++)
        {
            files[$"index{i}/level"] = caches[i].Level + "\n";
            files[$"index{i}/type"] = caches[i].Type + "\n";
            files[$"index{i}/size"] = caches[i].Size;
        }

        return files;
    }
}
