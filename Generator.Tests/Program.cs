using System;
using StaticNet.Generator.Tests.Networks;

namespace StaticNet.Generator.Tests;

/// <summary>
/// The test assembly's entry point. Test runners load the assembly and never call this; IsaPathTests runs
/// <c>dotnet exec StaticNet.Generator.Tests.dll --isa-probe</c> under forced instruction sets, and AllocationTests runs
/// <c>--allocation-probe</c> in a process of its own.
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

        if (args is ["--allocation-probe"])
        {
            Console.Out.Write(AllocationTests.Probe());
            return 0;
        }

        Console.Error.WriteLine("This is a test assembly; run it with 'dotnet test'. (--isa-probe prints the instruction-set probe, --allocation-probe the allocation probe.)");
        return 2;
    }
}
