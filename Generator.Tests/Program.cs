using System;
using StaticNet.Generator.Tests.Networks;
using StaticNet.Generator.Tests.Support;

namespace StaticNet.Generator.Tests;

/// <summary>
/// The test assembly's entry point. Test runners load the assembly and never call this; IsaPathTests runs
/// <c>dotnet exec StaticNet.Generator.Tests.dll --isa-probe</c> under forced instruction sets, and AllocationTests runs
/// <c>--allocation-probe</c> in a process of its own, SmallBatchParallelTests <c>--idle-probe</c>. CI publishes the assembly self-contained for linux-arm64 and
/// runs it under qemu: <c>--isa-probe portable</c> (the probe with every NaN printed as <c>nan</c>, since x64 and ARM64
/// give a NaN made by an invalid operation different sign bits) to compare with x64's, and
/// <c>--run-tests Class,Class…</c> to run those test classes without a test host.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["--isa-probe"])
        {
            Console.Out.Write(IsaPathTests.Probe());
            return 0;
        }

        if (args is ["--isa-probe", "portable"])
        {
            Console.Out.Write(IsaPathTests.Probe(portableNaN: true));
            return 0;
        }

        if (args is ["--run-tests", string classes])
        {
            return InProcessTestRunner.Run(classes.Split(','), Console.WriteLine) == 0 ? 0 : 1;
        }

        if (args is ["--allocation-probe"])
        {
            Console.Out.Write(AllocationTests.Probe());
            return 0;
        }

        if (args is ["--idle-probe"])
        {
            Console.Out.Write(SmallBatchParallelTests.IdleProbe());
            return 0;
        }

        Console.Error.WriteLine("This is a test assembly; run it with 'dotnet test'. (--isa-probe [portable] prints the instruction-set probe, --allocation-probe the allocation probe, --idle-probe the CPU use of idle parallel workers, --run-tests A,B runs those test classes here.)");
        return 2;
    }
}
