using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;

namespace StaticNet.Generator.Tests.Support;

/// <summary>
/// Snapshot testing with Verify's conventions (the Verify package cannot be restored here): the accepted
/// output lives in <c>Snapshots/{Test}.verified.cs</c> beside the tests and is committed; on a mismatch the new
/// output is written to <c>{Test}.received.cs</c> (git-ignored) and the test fails with a line diff. To accept,
/// read the diff, then rename received over verified — or run once with STATICNET_ACCEPT_SNAPSHOTS=1.
/// </summary>
internal static class Snapshot
{
    public static void Verify(string actual, string name, [CallerFilePath] string callerFile = "")
    {
        string directory = Path.Combine(Path.GetDirectoryName(callerFile)!, "..", "Snapshots");
        string verifiedPath = Path.GetFullPath(Path.Combine(directory, name + ".verified.cs"));
        string receivedPath = Path.GetFullPath(Path.Combine(directory, name + ".received.cs"));
        string normalized = actual.Replace("\r\n", "\n");

        string? verified = File.Exists(verifiedPath) ? File.ReadAllText(verifiedPath).Replace("\r\n", "\n") : null;
        if (verified == normalized)
        {
            File.Delete(receivedPath);
            return;
        }

        if (Environment.GetEnvironmentVariable("STATICNET_ACCEPT_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(verifiedPath, normalized, new UTF8Encoding(false));
            File.Delete(receivedPath);
            return;
        }

        Directory.CreateDirectory(directory);
        File.WriteAllText(receivedPath, normalized, new UTF8Encoding(false));
        Assert.Fail(verified is null
            ? $"No accepted snapshot yet. Read {receivedPath} and, if it is right, rename it to {Path.GetFileName(verifiedPath)}."
            : $"The output differs from {Path.GetFileName(verifiedPath)} (new output in {receivedPath}):\n{Diff(verified, normalized)}");
    }

    private static string Diff(string verified, string received)
    {
        var builder = new StringBuilder();
        int unchangedRun = 0;
        foreach (DiffPiece line in InlineDiffBuilder.Diff(verified, received).Lines)
        {
            switch (line.Type)
            {
                case ChangeType.Inserted:
                    builder.Append("+ ").AppendLine(line.Text);
                    unchangedRun = 0;
                    break;
                case ChangeType.Deleted:
                    builder.Append("- ").AppendLine(line.Text);
                    unchangedRun = 0;
                    break;
                default:
                    if (unchangedRun++ == 0)
                    {
                        builder.AppendLine("  …");
                    }

                    break;
            }
        }

        return builder.ToString();
    }
}
