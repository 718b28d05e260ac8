#!/usr/bin/env bash
# Package smoke test: the StaticNet NuGet package, used the way a new user would.
#
#  1. `dotnet pack Runtime` into a temporary folder; no warnings (NU5xxx included), the expected layout.
#  2. A new console project (`dotnet new console`) references StaticNet 0.1.0 from that folder only, declares
#     the seq_mlp fixture network with [Weights("model.safetensors")], runs it on the fixture's inputs and
#     compares with PyTorch's outputs: |Δ| ≤ 1e-5·max(1, |y|). No warnings in its build.
#  3. The same consumer published with Native AOT (linux-x64): zero warnings, and the native binary passes the
#     same check.
#
# Needs only the .NET 10 SDK (and, for Native AOT, clang or gcc: clang is installed with apt-get if neither is).
# Prints "package smoke: OK" and exits 0, or says what failed and exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
command -v dotnet >/dev/null || { echo "The .NET 10 SDK is required (dotnet not on PATH)." >&2; exit 1; }

version=$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' Directory.Build.props)
[ -n "$version" ] || { echo "FAIL: no VersionPrefix in Directory.Build.props" >&2; exit 1; }
fixtures="$repo/Generator.Tests/Fixtures/PyTorch"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
feed="$work/feed"
app="$work/Consumer"
started=$(date +%s)
step() { echo "== $1 ($(( $(date +%s) - started )) s)"; }

# A compiler, linker or analyzer warning ("warning CS8618:", "warning IL2026:", "warning NU5104:", "warning :").
warning_pattern='warning ([A-Z]+[0-9]+|:)'
no_warnings() { # <log> <what>
  if grep -qE "$warning_pattern" "$1"; then
    echo "FAIL: $2 had warnings:"; grep -E "$warning_pattern" "$1" | sort -u
    exit 1
  fi
}
run_logged() { # <log> <what> <command...>: run quietly, show the log's tail if it fails
  local log=$1 what=$2
  shift 2
  if ! "$@" >"$log" 2>&1; then
    tail -40 "$log"
    echo "FAIL: $what failed: $*"
    exit 1
  fi
}

step "pack StaticNet $version"
run_logged "$work/pack.log" "dotnet pack" dotnet pack Runtime -c Release -o "$feed" -tl:off
no_warnings "$work/pack.log" "dotnet pack"
package="$feed/StaticNet.$version.nupkg"
[ -f "$package" ] || { echo "FAIL: $package was not produced"; ls "$feed"; exit 1; }
count=$(find "$feed" -name '*.nupkg' | wc -l)
[ "$count" -eq 1 ] || { echo "FAIL: expected one package, got $count"; ls "$feed"; exit 1; }
layout=$(unzip -Z1 "$package")
for entry in lib/net10.0/StaticNet.dll lib/net10.0/StaticNet.xml analyzers/dotnet/cs/StaticNet.Generator.dll \
             build/StaticNet.targets buildTransitive/StaticNet.targets PACKAGE.md; do
  grep -qxF "$entry" <<<"$layout" || { echo "FAIL: the package lacks $entry"; echo "$layout"; exit 1; }
done
if grep -qiE '^lib/.*Generator|^analyzers/.*/StaticNet\.dll$' <<<"$layout"; then
  echo "FAIL: the generator and the library are mixed up in the package"; echo "$layout"; exit 1
fi

step "new console project using the package"
run_logged "$work/new.log" "dotnet new console" dotnet new console --no-restore --framework net10.0 -n Consumer -o "$app"
cp "$fixtures/seq_mlp.f32.safetensors" "$app/model.safetensors"
cp "$fixtures/seq_mlp.inputs.bin" "$fixtures/seq_mlp.f32.expected.bin" "$work/"

# Only this folder may provide StaticNet; everything else comes from the usual feed.
cat >"$app/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="staticnet-local" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="staticnet-local">
      <package pattern="StaticNet" />
    </packageSource>
    <packageSource key="nuget.org">
      <package pattern="*" />
    </packageSource>
  </packageSourceMapping>
</configuration>
EOF

# A copy of StaticNet $version restored earlier (an older build of the same version) must not be used.
global_packages=$(dotnet nuget locals global-packages --list --force-english-output | sed -n 's/^global-packages: //p')
[ -d "$global_packages" ] || { echo "FAIL: cannot find NuGet's global packages folder"; exit 1; }
rm -rf "${global_packages%/}/staticnet/$version"

# The template's csproj, plus the package and the weights file, as a user would write them.
sed -i "s:</Project>:  <ItemGroup>\n    <PackageReference Include=\"StaticNet\" Version=\"$version\" />\n    <AdditionalFiles Include=\"model.safetensors\" />\n  </ItemGroup>\n</Project>:" "$app/Consumer.csproj"

cat >"$app/Program.cs" <<'EOF'
using System;
using System.IO;
using System.Runtime.InteropServices;
using StaticNet;

// Usage: Consumer <inputs.bin> <expected.bin> <model.safetensors>
// Runs the network on PyTorch's inputs and compares with PyTorch's outputs.
float[] inputs = ReadFloats(args[0]);
float[] expected = ReadFloats(args[1]);
int batch = inputs.Length / SeqMlp.InputSize;
if (batch * SeqMlp.InputSize != inputs.Length || expected.Length != batch * SeqMlp.OutputSize)
{
    Console.Error.WriteLine($"FAIL: {inputs.Length} inputs and {expected.Length} expected outputs do not fit {SeqMlp.InputSize} -> {SeqMlp.OutputSize}");
    return 2;
}

float[] embedded = new float[expected.Length];
SeqMlp.LoadEmbedded().Forward(inputs, embedded);          // weights compiled into the assembly by [Weights]
float[] loaded = new float[expected.Length];
SeqMlp.Load(args[2]).Forward(inputs, loaded);             // the same file read at run time

int bad = 0;
double worst = 0;
for (int i = 0; i < expected.Length; i++)
{
    double delta = Math.Abs((double)embedded[i] - expected[i]);
    worst = Math.Max(worst, delta);
    if (!(delta <= 1e-5 * Math.Max(1.0, Math.Abs(expected[i]))) && bad++ < 5)
    {
        Console.Error.WriteLine($"output {i}: StaticNet {embedded[i]:R}, PyTorch {expected[i]:R}");
    }

    if (BitConverter.SingleToInt32Bits(loaded[i]) != BitConverter.SingleToInt32Bits(embedded[i]) && bad++ < 5)
    {
        Console.Error.WriteLine($"output {i}: embedded weights give {embedded[i]:R}, loaded ones {loaded[i]:R}");
    }
}

if (bad != 0)
{
    Console.WriteLine($"FAIL: {bad} of {expected.Length} outputs differ from PyTorch's");
    return 1;
}

string path = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "AVX-512"
    : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported ? "AVX2" : "plain .NET";
Console.WriteLine($"OK: {batch} x {SeqMlp.OutputSize} outputs match PyTorch (max |delta| {worst:E2}); {SeqMlp.ParameterCount} parameters embedded; {path} kernels");
return 0;

static float[] ReadFloats(string path) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();

[Weights("model.safetensors")]
[Dense(20, 64), ReLU, Dense(64, 32), Tanh, Dense(32, 5), Softmax]
public partial class SeqMlp { }
EOF

check_args=("$work/seq_mlp.inputs.bin" "$work/seq_mlp.f32.expected.bin" "$app/model.safetensors")

step "build and run the consumer (JIT)"
run_logged "$work/build.log" "building the consumer" dotnet build "$app" -c Release -tl:off
no_warnings "$work/build.log" "the consumer's build"
restored="${global_packages%/}/staticnet/$version/.nupkg.metadata"
grep -qF "\"source\": \"$feed\"" "$restored" || { echo "FAIL: StaticNet $version did not come from $feed:"; cat "$restored"; exit 1; }
dotnet "$app/bin/Release/net10.0/Consumer.dll" "${check_args[@]}"

step "publish the consumer with Native AOT"
# Native AOT compiles and links with clang, or gcc when clang is missing (zlib and brotli come with .NET 10's
# runtime pack). A fresh machine may have neither: install what Microsoft's prerequisites name.
if ! command -v clang >/dev/null && ! command -v gcc >/dev/null; then
  echo "Native AOT needs clang or gcc; installing clang and zlib1g-dev."
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  { $sudo apt-get update -qq && $sudo apt-get install -y -qq clang zlib1g-dev; } >/dev/null
fi
run_logged "$work/publish.log" "the Native AOT publish" \
  dotnet publish "$app" -c Release -r linux-x64 -p:PublishAot=true -o "$work/aot" -tl:off
no_warnings "$work/publish.log" "the Native AOT publish"
[ -x "$work/aot/Consumer" ] || { echo "FAIL: no native binary at $work/aot/Consumer"; ls "$work/aot"; exit 1; }
echo "native binary: $(stat -c %s "$work/aot/Consumer") bytes"

step "run the native binary"
"$work/aot/Consumer" "${check_args[@]}"

step "done"
echo "package smoke: OK"
