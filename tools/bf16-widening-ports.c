// Whether widening bfloat16 weights to float32 costs an FMA's slot: 8 accumulators, each taking two FMAs a step (the
// two inputs of a pair, as BFloat16Weights stores them), with 16 widening instructions a step beside the 16 FMAs
// (vpslld 16 or vpshufb for one input, vpandd 0xFFFF0000 for the other), against the same 16 FMAs alone with 16
// accumulators. Register operands only, so nothing but the execution ports bounds either loop. docs/benchmarks.md
// quotes it for the bound on bfloat16's one-row kernel: each widening instruction takes one of the two 512-bit ports
// the FMAs use, so 16 weights cost two FMA slots (the loops with widening take 1.93–2.08× the FMAs' time on the Xeon
// measured). FormatComparison's "against its bound" line uses that factor of 2.
//
//   gcc -O2 -mavx512f -mavx512bw tools/bf16-widening-ports.c -o /tmp/bf16-widening-ports && /tmp/bf16-widening-ports
#include <stdio.h>
#include <time.h>

#define N 20000000L

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

#define FMA(acc) "vfmadd231ps %%zmm30, %%zmm31, %%zmm" #acc "\n"
#define CLOBBER_ACCUMULATORS "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", \
    "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

// 16 independent FMAs a step: only the number of FMA ports bounds it.
__attribute__((noinline)) static void fmas_alone(void)
{
    for (long i = 0; i < N; i++)
    {
        __asm__ volatile(FMA(0) FMA(1) FMA(2) FMA(3) FMA(4) FMA(5) FMA(6) FMA(7)
                         FMA(8) FMA(9) FMA(10) FMA(11) FMA(12) FMA(13) FMA(14) FMA(15) ::: CLOBBER_ACCUMULATORS);
    }
}

// One panel's step of a pair: widen the low input (WIDEN, into zmm16) and the high one (vpandd, into zmm17) from the
// stored lanes in SOURCE, then one FMA each into accumulator ACC: the high input's FMA after the low one's, as the
// kernel does.
#define PANEL(WIDEN, SOURCE, ACC) \
    WIDEN " %%zmm" #SOURCE ", %%zmm16\n" \
    "vpandd %%zmm" #SOURCE ", %%zmm29, %%zmm17\n" \
    "vfmadd231ps %%zmm30, %%zmm16, %%zmm" #ACC "\n" \
    "vfmadd231ps %%zmm31, %%zmm17, %%zmm" #ACC "\n"

#define PAIRS(name, WIDEN)                                                                                     \
    __attribute__((noinline)) static void name(void)                                                           \
    {                                                                                                          \
        for (long i = 0; i < N; i++)                                                                           \
        {                                                                                                      \
            __asm__ volatile(PANEL(WIDEN, 20, 0) PANEL(WIDEN, 21, 1) PANEL(WIDEN, 22, 2) PANEL(WIDEN, 23, 3)   \
                             PANEL(WIDEN, 20, 4) PANEL(WIDEN, 21, 5) PANEL(WIDEN, 22, 6) PANEL(WIDEN, 23, 7)   \
                             ::: CLOBBER_ACCUMULATORS, "xmm16", "xmm17");                                     \
        }                                                                                                      \
    }

PAIRS(pairs_shift, "vpslld $16,")
PAIRS(pairs_shuffle, "vpshufb %%zmm28,")

int main(void)
{
    // Zeros: no value ever becomes subnormal or special, so no assist slows a loop.
    __asm__ volatile("vpxord %%zmm20, %%zmm20, %%zmm20\n vpxord %%zmm21, %%zmm21, %%zmm21\n"
                     "vpxord %%zmm22, %%zmm22, %%zmm22\n vpxord %%zmm23, %%zmm23, %%zmm23\n"
                     "vpxord %%zmm28, %%zmm28, %%zmm28\n vpxord %%zmm29, %%zmm29, %%zmm29\n"
                     "vpxord %%zmm30, %%zmm30, %%zmm30\n vpxord %%zmm31, %%zmm31, %%zmm31\n"
                     ::: "xmm20", "xmm21", "xmm22", "xmm23", "xmm28", "xmm29", "xmm30", "xmm31");
    void (*loops[])(void) = { fmas_alone, pairs_shift, pairs_shuffle };
    const char* names[] = { "16 FMAs", "16 FMAs + 8 vpslld + 8 vpandd", "16 FMAs + 8 vpshufb + 8 vpandd" };
    double best[3] = { 1e9, 1e9, 1e9 };
    // Alternating rounds, best of each: a VM's clock and neighbours change over seconds, the same for every loop.
    for (int round = 0; round < 15; round++)
    {
        for (int i = 0; i < 3; i++)
        {
            double start = now();
            loops[i]();
            double seconds = now() - start;
            best[i] = seconds < best[i] ? seconds : best[i];
        }
    }

    for (int i = 0; i < 3; i++)
    {
        printf("%-32s %6.3f ns a step   %.2fx the FMAs' time\n", names[i], best[i] / N * 1e9, best[i] / best[0]);
    }

    return 0;
}
