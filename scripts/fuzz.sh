#!/bin/sh
# scripts/fuzz.sh TARGET [SECONDS]    (default 60 s)
#
# Runs one libFuzzer target (tests/fuzz/fuzz_TARGET.c) for a fixed time and
# prints how many inputs it executed. Builds build-fuzz first if needed:
#   CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
#   ninja -C build-fuzz tests/fuzz/fuzz_TARGET      (`ninja -C build-fuzz fuzz`: all)
#
# The run starts from the checked-in seeds (tests/fuzz/corpus/TARGET/, read
# only) and keeps what it learns in fuzz-out/TARGET/corpus/ (ignored by git),
# so the repository corpus only changes by hand. A crash is written to
# fuzz-out/TARGET/crash-*; the script then exits 1 and says how to turn it
# into a regression file, which the replay test (meson suite 'fuzz') runs in
# every build from then on.
#
# Memory: -rss_limit_mb=2048 (a 2-core, 24 GiB machine; libcbor-style "trust
# the declared size" bugs show up as out-of-memory, which counts as a crash).
set -eu
cd "$(dirname "$0")/.."

target=${1:?usage: scripts/fuzz.sh TARGET [SECONDS]   (TARGET: $(ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_||; s|\.c$||' | tr '\n' ' '))}
secs=${2:-60}
build=${FUZZ_BUILD:-build-fuzz}

[ -f "tests/fuzz/fuzz_$target.c" ] || { echo "fuzz.sh: no target tests/fuzz/fuzz_$target.c" >&2; exit 2; }
if [ ! -f "$build/build.ninja" ]; then
    CC=clang meson setup "$build" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
blog=$(mktemp)
# Only this target (and what it links), not the whole tree.
if ! ninja -C "$build" "tests/fuzz/fuzz_$target" >"$blog" 2>&1; then
    cat "$blog" >&2; rm -f "$blog"
    echo "fuzz.sh: building fuzz_$target in $build failed" >&2
    exit 2
fi
rm -f "$blog"
bin="$build/tests/fuzz/fuzz_$target"
[ -x "$bin" ] || { echo "fuzz.sh: $bin was not built (is it in tests/fuzz/meson.build?)" >&2; exit 2; }

out="fuzz-out/$target"
mkdir -p "$out/corpus"
log="$out/fuzz.log"

# UBSan must stop at the first report, or libFuzzer never sees it.
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}

echo "fuzz $target: $secs s, corpus $out/corpus + tests/fuzz/corpus/$target"
touch "$out/.start"
set +e
"$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$out/" "$out/corpus" "tests/fuzz/corpus/$target" >"$log" 2>&1
rc=$?
set -e

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1)
units=$(find "$out/corpus" -type f | wc -l)
echo "fuzz $target: ${execs:-?} executions (${speed:-?}/s), ${cov:-cov: ?}, $units inputs in $out/corpus"

# Findings of this run only: artifacts newer than the start marker.
crashes=$(find "$out" -maxdepth 1 -type f -newer "$out/.start" \
    \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' -o -name 'slow-unit-*' \) | sort)
if [ "$rc" -ne 0 ] || [ -n "$crashes" ]; then
    grep -E '^==[0-9]+==ERROR|runtime error|invariant failed|SUMMARY|Test unit written' "$log" | head -20
    for c in $crashes; do
        echo "finding: $c"
        echo "  keep it as a regression input:"
        echo "    cp $c tests/fuzz/corpus/$target/regression-<what-it-is>"
    done
    echo "fuzz $target: FAILED (exit $rc), full log in $log"
    exit 1
fi
echo "fuzz $target: no findings"
