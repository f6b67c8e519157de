#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/*_fuzz.cc) with clang in build-fuzz and runs each one
# for N seconds (default 60), starting from its seed corpus (fuzz/corpus/<target>/) and
# after replaying its saved regressions (fuzz/regressions/<target>/). Exits non-zero if
# any target crashes, leaks, times out or fails to build; crashing inputs are kept in
# build-fuzz/artifacts/<target>/.
#
#   scripts/fuzz.sh [seconds-per-target]
#
# Environment: VIGIL_FUZZ_BUILD_DIR (default: build-fuzz), VIGIL_FUZZ_TARGETS (space-
# separated subset of targets), VIGIL_FUZZ_JOBS (build parallelism, default: nproc).
set -euo pipefail

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: $0 [seconds-per-target]" >&2
  exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${VIGIL_FUZZ_BUILD_DIR:-$root/build-fuzz}"
jobs="${VIGIL_FUZZ_JOBS:-$(nproc)}"

# ---- toolchain: clang and its libFuzzer runtime (Debian 12: clang 14) ----
apt_install() {
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "fuzz.sh: missing $*; install them (Debian: apt-get install -y $*)" >&2
    exit 1
  fi
  echo "fuzz.sh: installing $*" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
command -v clang++ >/dev/null || apt_install clang
runtime_ok() {
  local dir
  dir="$(clang++ -print-resource-dir)/lib/linux"
  [ -f "$dir/libclang_rt.fuzzer-x86_64.a" ] || [ -f "$dir/libclang_rt.fuzzer-aarch64.a" ]
}
if ! runtime_ok; then
  major="$(clang++ -dumpversion | cut -d. -f1)"
  apt_install "libclang-rt-${major}-dev"
fi
command -v cmake >/dev/null || apt_install cmake
generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi

# ---- build ----
mapfile -t all_targets < <(cd "$root/fuzz" && ls ./*_fuzz.cc | sed 's|^\./||; s|\.cc$||' | sort)
read -r -a targets <<< "${VIGIL_FUZZ_TARGETS:-${all_targets[*]}}"
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" "${generator[@]}" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_FUZZ=ON -DVIGIL_BUILD_TESTS=OFF \
    -DVIGIL_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build" --parallel "$jobs" --target "${targets[@]}"

# ---- run ----
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=()
summary=()
for t in "${targets[@]}"; do
  bin="$build/$t"
  work="$build/corpus-run/$t"
  artifacts="$build/artifacts/$t/"
  mkdir -p "$work" "$artifacts"
  if [ -d "$root/fuzz/corpus/$t" ]; then cp -n "$root/fuzz/corpus/$t"/* "$work/" 2>/dev/null || true; fi
  log="$build/$t.log"
  # Saved regressions first: each must run clean.
  regressions=()
  if [ -d "$root/fuzz/regressions/$t" ]; then
    mapfile -t regressions < <(find "$root/fuzz/regressions/$t" -type f | sort)
  fi
  if [ "${#regressions[@]}" -gt 0 ]; then
    if ! "$bin" -artifact_prefix="$artifacts" "${regressions[@]}" >"$log.regressions" 2>&1; then
      echo "fuzz.sh: $t: a saved regression fails (see $log.regressions)" >&2
      failed+=("$t(regression)")
    fi
  fi
  echo "fuzz.sh: running $t for ${seconds}s" >&2
  status=0
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts" "$work" >"$log" 2>&1 || status=$?
  done_line="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)"
  execs="$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' || true)"
  rate="$(grep -E '^stat::average_exec_per_sec' "$log" | awk '{print $2}' || true)"
  cov="$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\).*/cov \1, features \2/p' <<<"$done_line")"
  if [ "$status" -ne 0 ]; then
    failed+=("$t")
    summary+=("$t: FAILED (exit $status), see $log; inputs in $artifacts")
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5 >&2 || true
  else
    summary+=("$t: ok, ${execs:-?} runs, ${rate:-?} exec/s, ${cov:-coverage unknown}")
  fi
done

echo
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz.sh: failures: ${failed[*]}" >&2
  exit 1
fi
