// The one benchmark program: every bench/*.cc registers its benchmarks, this file only
// provides main().
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
