#!/bin/sh
# scripts/valgrind-check.sh PROGRAM [ARGS...]
#
# Runs PROGRAM under valgrind memcheck and fails if valgrind found anything in
# it or in any process it starts. scripts/test.sh uses it as the meson test
# wrapper for the unit suite:
#   meson test -C build --suite unit --wrapper "$PWD/scripts/valgrind-check.sh"
#
# Why a wrapper and not just `valgrind --error-exitcode=1`: Criterion runs
# each test in a worker process (--trace-children=yes follows them), and a
# worker's exit status is ignored once the test has reported PASS: a test
# that reads uninitialised memory or leaks still shows as passing and the
# runner exits 0 (checked with a throw-away test). So each process writes its
# own log, and the logs decide: any "ERROR SUMMARY: N errors" with N > 0 (an
# invalid read or write, a jump on an uninitialised value, a definite leak,
# ...) prints that log and makes the run fail. scripts/test.sh then counts the
# binary as one failure.
#
# Leaks: only "definitely lost" counts (--errors-for-leak-kinds=definite);
# memory still reachable at exit (OpenSSL's and Criterion's globals) does not.
set -u
logdir=$(mktemp -d "${TMPDIR:-/tmp}/fwup-vg.XXXXXX")
trap 'rm -rf "$logdir"' EXIT

# --track-origins=yes says where an uninitialised value came from but
# doubles the run time: FWUP_VG_ORIGINS=1 turns it on for diagnosis.
origins=no
[ "${FWUP_VG_ORIGINS:-0}" = 1 ] && origins=yes
valgrind --tool=memcheck --trace-children=yes --leak-check=full \
    --errors-for-leak-kinds=definite --show-leak-kinds=definite \
    --track-origins=$origins --error-exitcode=99 --log-file="$logdir/vg.%p.log" "$@"
rc=$?

bad=$(grep -l 'ERROR SUMMARY: [1-9]' "$logdir"/vg.*.log 2>/dev/null)
if [ -n "$bad" ]; then
    for f in $bad; do
        echo "---- valgrind: $(basename "$f")" >&2
        # The report minus valgrind's banner.
        grep -v -e '^==[0-9]*== *$' -e 'Copyright' -e 'Using Valgrind' -e 'Command:' \
            -e 'Memcheck, a memory error detector' "$f" >&2
    done
    echo "valgrind: errors in $(echo "$bad" | wc -l) process(es) of $1" >&2
    [ "$rc" -eq 0 ] && rc=1
fi
exit "$rc"
