using System;
using StaticNet.Generator.Tests.Networks;

namespace StaticNet.Generator.Tests;

/// <summary>
/// The test assembly's entry point. Test runners load the assembly and never call this; IsaPathTests runs
/// <c>dotnet exec StaticNet.Generator.Tests.dll --isa-probe</c> under forced instruction sets.
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

        Console.Error.WriteLine("This is a test assembly; run it with 'dotnet test'. (--isa-probe prints the instruction-set probe.)");
        return 2;
    }
}
