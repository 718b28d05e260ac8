using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Threading.Tasks;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace StaticNet.Generator.Tests.Support;

/// <summary>
/// Runs chosen test classes of this assembly in this process, without a test host: for a self-contained build run
/// where <c>dotnet test</c> cannot go, such as linux-arm64 under qemu in CI (<c>--run-tests</c>). It does what these
/// classes need of xunit and no more: a new instance per test (with an <see cref="ITestOutputHelper"/> if the
/// constructor takes one, disposed after), facts, theories with their data attributes, async tests, skips.
/// </summary>
internal static class InProcessTestRunner
{
    /// <summary>
    /// Runs every test of the classes named (simple names; <c>Name[n]</c> runs only the first n cases of each theory);
    /// prints one line per test, returns the failure count.
    /// </summary>
    public static int Run(IEnumerable<string> classNames, Action<string> print)
    {
        int passed = 0, failed = 0, skipped = 0;
        foreach (string entry in classNames)
        {
            int bracket = entry.IndexOf('[', StringComparison.Ordinal);
            string className = bracket < 0 ? entry : entry[..bracket];
            int caseLimit = bracket < 0 ? int.MaxValue : int.Parse(entry[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
            Type type = typeof(InProcessTestRunner).Assembly.GetTypes().SingleOrDefault(t => t.Name == className && t.IsPublic)
                ?? throw new ArgumentException($"No public test class named {className}.");
            foreach (MethodInfo method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance).OrderBy(m => m.Name, StringComparer.Ordinal))
            {
                FactAttribute? fact = method.GetCustomAttribute<FactAttribute>();
                if (fact is null)
                {
                    continue;
                }

                string name = $"{type.Name}.{method.Name}";
                if (fact.Skip is not null)
                {
                    skipped++;
                    print($"SKIP {name}: {fact.Skip}");
                    continue;
                }

                IEnumerable<object?[]> cases = method.GetCustomAttributes<DataAttribute>().SelectMany(d => d.GetData(method)).DefaultIfEmpty([]).Take(caseLimit);
                foreach (object?[] arguments in cases)
                {
                    string label = arguments.Length == 0 ? name : $"{name}({string.Join(", ", arguments)})";
                    var output = new Output();
                    var time = Stopwatch.StartNew();
                    try
                    {
                        RunOne(type, method, arguments, output).GetAwaiter().GetResult();
                        passed++;
                        print($"PASS {label} ({time.Elapsed.TotalSeconds:F1} s)");
                    }
                    catch (Exception e)
                    {
                        failed++;
                        Exception cause = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
                        print($"FAIL {label}: {cause.GetType().Name}: {cause.Message}{output.Text}");
                    }
                }
            }
        }

        print($"{passed} passed, {failed} failed, {skipped} skipped");
        return failed;
    }

    private static async Task RunOne(Type type, MethodInfo method, object?[] arguments, Output output)
    {
        ConstructorInfo constructor = type.GetConstructors().Single();
        object instance = constructor.Invoke(constructor.GetParameters().Length == 0 ? [] : [output]);
        try
        {
            object? result = method.Invoke(instance, arguments);
            if (result is Task task)
            {
                await task;
            }
        }
        finally
        {
            (instance as IDisposable)?.Dispose();
        }
    }

    /// <summary>What a test writes, shown only if it fails.</summary>
    private sealed class Output : ITestOutputHelper
    {
        private readonly StringBuilder _text = new();

        public string Text => _text.Length == 0 ? "" : "\n" + _text.ToString().TrimEnd();

        public void WriteLine(string message) => _text.Append("  ").AppendLine(message);

        public void WriteLine(string format, params object[] args) => WriteLine(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
    }
}
