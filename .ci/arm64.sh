#!/usr/bin/env bash
# CI on ARM64 without ARM hardware: the tests and the Sample published self-contained for linux-arm64 and run under
# qemu's user-mode emulator, their outputs compared bit for bit with this x64 machine's. Called by .ci/run; needs the
# .NET 10 SDK and Debian's qemu-user-static and arm64 C libraries (installed here if missing). Timing under qemu says
# nothing about ARM64 speed: this checks results only.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
if ! command -v qemu-aarch64-static >/dev/null || [ ! -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ]; then
  echo "Installing qemu-user-static and the arm64 C libraries."
  { apt-get update -qq && apt-get install -y -qq qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross; } >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# OpenSSL for arm64, unpacked beside the tests (not installed): Roslyn, which the random-architecture tests run to
# compile networks, hashes public keys with SHA-1, and .NET's hashing on Linux is OpenSSL's.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
  apt-get update -qq >/dev/null
fi
(cd "$work" && apt-get download -qq libssl3:arm64 >/dev/null 2>&1 && dpkg -x libssl3_*_arm64.deb "$work/sysroot")

# The JIT writes code through a second mapping of the same memory (W^X); qemu translates the first mapping and does not
# see those writes, so without DOTNET_EnableWriteXorExecute=0 it runs stale code. There is no arm64 libicu here; the
# tests need no culture data (the Sample is built with invariant globalization anyway).
arm64() {
  LD_LIBRARY_PATH="$work/sysroot/usr/lib/aarch64-linux-gnu" DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_EnableWriteXorExecute=0 \
    qemu-aarch64-static -L /usr/aarch64-linux-gnu "$@"
}

for project in Generator.Tests Sample; do
  # UseAppHost: the test project does not get its native launcher by default.
  if ! dotnet publish "$project" -c Release -r linux-arm64 --self-contained -p:UseAppHost=true -o "$work/$project" >"$work/publish-$project.log" 2>&1; then
    tail -20 "$work/publish-$project.log"
    echo "FAIL: the linux-arm64 publish of $project failed."
    exit 1
  fi
done
# The x64 side, built the same way.
for project in Generator.Tests Sample; do
  dotnet build "$project" -c Release >"$work/build-$project.log" 2>&1 || { tail -20 "$work/build-$project.log"; echo "FAIL: the x64 build of $project failed."; exit 1; }
done
echo "ARM64: published the tests and the Sample (and built them for x64) in $(( $(date +%s) - started )) s"
status=0

# 1. The instruction-set probe (every test network, kernels alone, ForwardParallel, softmax; NaN and ±∞ inputs):
#    ARM64 must take the 128-bit path and print x64's bits. NaNs print as "nan": an invalid operation's NaN is
#    0xFFC00000 on x64 and 0x7FC00000 on ARM64.
dotnet exec Generator.Tests/bin/Release/net10.0/StaticNet.Generator.Tests.dll --isa-probe portable >"$work/probe-x64.txt"
arm64 "$work/Generator.Tests/StaticNet.Generator.Tests" --isa-probe portable >"$work/probe-arm64.txt"
echo "ARM64 probe: $(head -1 "$work/probe-arm64.txt"); x64: $(head -1 "$work/probe-x64.txt")"
if [ "$(head -1 "$work/probe-arm64.txt")" != "path: Vector128" ]; then
  echo "FAIL: ARM64 did not take the 128-bit path."; status=1
fi
x64_hash=$(tail -n +2 "$work/probe-x64.txt" | sha256sum | cut -c1-16)
arm64_hash=$(tail -n +2 "$work/probe-arm64.txt" | sha256sum | cut -c1-16)
echo "ARM64 probe: $(tail -n +2 "$work/probe-arm64.txt" | wc -l) lines, SHA-256 $arm64_hash (x64 $x64_hash)"
if [ "$x64_hash" != "$arm64_hash" ]; then
  echo "FAIL: ARM64 and x64 probes differ:"; diff <(tail -n +2 "$work/probe-x64.txt") <(tail -n +2 "$work/probe-arm64.txt") | head -c 2000; status=1
fi

# 2. Test classes under qemu, without a test host: PyTorch parity, random architectures (one seed: 12 networks compiled
#    in memory by the generator, which takes minutes under emulation), and the kernel tests that compare every path
#    this processor has (here scalar and 128-bit), float32, bfloat16 and int8 weights; the convolutional networks are in
#    the probe.
# Theories of the kernel classes run their first 3 cases: a dense-kernel case takes ~15 s under qemu.
tests=PyTorchParityTests,WeightFormatNetworkTests[3],RandomArchitectureTests[1],WeightFormatKernelTests[3],DenseKernelTests[3],SoftmaxKernelTests[3],ForwardSoftmaxTests[3],ElementwiseKernelTests[3],LayerNormKernelTests[3],SmoothLayersParityTests[3]
if ! arm64 "$work/Generator.Tests/StaticNet.Generator.Tests" --run-tests "$tests" >"$work/tests-arm64.txt" 2>&1; then
  grep -E "^FAIL" -A5 "$work/tests-arm64.txt" | head -60; status=1
fi
echo "ARM64 tests: $(tail -1 "$work/tests-arm64.txt")"

# 3. The Sample: the same accuracy, the same predictions as PyTorch and the same output bits as on x64.
dotnet run --project Sample -c Release --no-build -- --digits 0 --no-timing >"$work/sample-x64.txt" || status=1
arm64 "$work/Sample/StaticNet.Sample" --digits 0 --no-timing >"$work/sample-arm64.txt" || { echo "FAIL: the ARM64 Sample exited with $?."; status=1; }
head -1 "$work/sample-arm64.txt"
sed -n '/^Accuracy/,/^$/p' "$work/sample-arm64.txt"
if ! diff <(sed -n '/^Accuracy/,/^$/p' "$work/sample-x64.txt") <(sed -n '/^Accuracy/,/^$/p' "$work/sample-arm64.txt"); then
  echo "FAIL: the ARM64 Sample's accuracy or outputs differ from x64's (above)."; status=1
fi
if ! head -1 "$work/sample-arm64.txt" | grep -q "kernels: ARM64 NEON"; then
  echo "FAIL: the ARM64 Sample did not run the NEON kernels."; status=1
fi

# 4. The Sample as Native AOT for linux-arm64, cross-compiled here: clang and lld link against Debian's arm64 C
#    libraries (SysRoot=/ lets clang find them under /usr/aarch64-linux-gnu; a sysroot pointing there makes lld look
#    for libc.so.6 at /usr/aarch64-linux-gnu/usr/aarch64-linux-gnu/lib). Zero warnings, and under qemu the same outputs.
#    (Do not install arm64 multiarch packages such as zlib1g-dev:arm64: they bring a second arm64 libc into
#    /lib/aarch64-linux-gnu, which the emulated loader then picks up, and every program hangs at start.)
if ! command -v clang >/dev/null || ! command -v ld.lld >/dev/null || [ ! -e /usr/aarch64-linux-gnu/lib/crt1.o ]; then
  echo "Installing clang, lld and the arm64 C development files for the Native AOT cross-compile."
  apt-get install -y -qq clang lld libc6-dev-arm64-cross libgcc-12-dev-arm64-cross >/dev/null
fi
if dotnet publish Sample -c Release -r linux-arm64 -p:PublishAot=true -p:SysRoot=/ -p:LinkerFlavor=lld -o "$work/aot" >"$work/publish-aot.log" 2>&1; then
  if grep -qE "warning [A-Z]+[0-9]+" "$work/publish-aot.log"; then
    echo "FAIL: the linux-arm64 Native AOT publish of the Sample had warnings:"; grep -E "warning [A-Z]+[0-9]+" "$work/publish-aot.log" | sort -u; status=1
  fi
  echo "ARM64 Native AOT Sample: $(stat -c %s "$work/aot/StaticNet.Sample") bytes"
  qemu-aarch64-static -L /usr/aarch64-linux-gnu "$work/aot/StaticNet.Sample" --digits 0 --no-timing >"$work/aot-arm64.txt" || { echo "FAIL: the ARM64 Native AOT Sample exited with $?."; status=1; }
  head -1 "$work/aot-arm64.txt"
  if ! diff <(sed -n '/^Accuracy/,/^$/p' "$work/sample-x64.txt") <(sed -n '/^Accuracy/,/^$/p' "$work/aot-arm64.txt"); then
    echo "FAIL: the ARM64 Native AOT Sample's accuracy or outputs differ from x64's (above)."; status=1
  fi
else
  tail -20 "$work/publish-aot.log"
  echo "FAIL: the linux-arm64 Native AOT publish of the Sample failed."; status=1
fi

echo "ARM64 stage: $(( $(date +%s) - started )) s, $([ "$status" -eq 0 ] && echo passed || echo FAILED)"
exit "$status"
