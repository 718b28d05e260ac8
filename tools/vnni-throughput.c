// How many int8 multiply-adds per cycle vpdpbusd gives in its 256-bit (AVX-VNNI, which .NET 10 exposes as AvxVnni)
// and 512-bit (AVX512-VNNI, which .NET 10 does not expose) forms, against the 512-bit FMA on the same core: ten
// independent chains of each, register operands only. docs/benchmarks.md quotes it for WeightFormat.Int8Dynamic,
// whose AVX-VNNI kernel is bound by the 256-bit form.
//
//   gcc -O2 -mavx512f -mavx512bw -mavx512vnni -mavxvnni tools/vnni-throughput.c -o /tmp/vnni-throughput && /tmp/vnni-throughput
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#define N 200000000L

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

// The empty asm keeps the ten chains apart (the compiler would otherwise see ten equal sums and compute one).
#define TEN(op) a0 = op(a0); a1 = op(a1); a2 = op(a2); a3 = op(a3); a4 = op(a4); a5 = op(a5); a6 = op(a6); a7 = op(a7); a8 = op(a8); a9 = op(a9); \
    __asm__("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7), "+v"(a8), "+v"(a9));

// One function per instruction: ten accumulators, each op(accumulator) N times, then their sum.
#define CHAINS(name, type, zero, op, add)                                                                     \
    __attribute__((noinline)) static type name(type x, type w)                                               \
    {                                                                                                         \
        type a0 = zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0;      \
        for (long i = 0; i < N; i++) { TEN(op) }                                                              \
        return add(add(add(a0, a1), add(a2, a3)), add(add(a4, a5), add(add(a6, a7), add(a8, a9))));           \
    }

#define FMA(a) _mm512_fmadd_ps(x, w, a)
#define DP512(a) _mm512_dpbusd_epi32(a, x, w)
#define DP256(a) _mm256_dpbusd_avx_epi32(a, x, w)
CHAINS(fma512, __m512, _mm512_setzero_ps(), FMA, _mm512_add_ps)
CHAINS(vnni512, __m512i, _mm512_setzero_si512(), DP512, _mm512_add_epi32)
CHAINS(vnni256, __m256i, _mm256_setzero_si256(), DP256, _mm256_add_epi32)

int main(void)
{
    printf("instructions per 512-bit FMA's time (ten chains each); int8 multiply-adds in the time of one 512-bit FMA\n");
    for (int round = 0; round < 6; round++)
    {
        double t0 = now();
        volatile __m512 f = fma512(_mm512_set1_ps(1), _mm512_set1_ps(0));
        double t1 = now();
        volatile __m512i z = vnni512(_mm512_set1_epi8(1), _mm512_set1_epi8(1));
        double t2 = now();
        volatile __m256i y = vnni256(_mm256_set1_epi8(1), _mm256_set1_epi8(1));
        double t3 = now();
        (void)f; (void)z; (void)y;
        double fma = t1 - t0, zmm = t2 - t1, ymm = t3 - t2;
        printf("vpdpbusd zmm %.2f (%.0f MACs), vpdpbusd ymm %.2f (%.0f MACs)\n", fma / zmm, 64 * fma / zmm, fma / ymm, 32 * fma / ymm);
    }

    return 0;
}
