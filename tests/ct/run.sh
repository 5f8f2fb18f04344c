#!/bin/bash
# tests/ct/run.sh VALGRIND CT_CHECK MODE
#
# Runs `CT_CHECK MODE` (tests/ct/ct_check.c) under valgrind memcheck, where
# the secret bytes are marked uninitialised, and judges the report the way
# Monocypher's ctgrind does:
#
#  * mac-*, content-*: the compare under test may leave an undefined RESULT,
#    and the verifier branches on it once: the accept/reject verdict, which
#    is public. So at most ONE report is allowed, a "Conditional jump" whose
#    innermost frame is NOT the compare itself (auth.c ct_equal, process.c
#    check_content, or any memcmp/bcmp). A branch inside the compare (an
#    early exit: where the first difference is) is reported in the compare's
#    own frame and fails; so does any "Use of uninitialised value" (a secret
#    used as an address or a lookup index) and any second report.
#  * host: fwup_ct_equal and fwup_wipe; the test declassifies the result
#    itself, so NO report at all is allowed.
#  * leaky: the negative control. A memcmp-style compare with an early exit
#    MUST be reported inside it (leaky_equal); if memcheck stays silent the
#    harness proves nothing and the test fails.
#
# In every mode ct_check must also print that the outcome (accepted /
# refused) was the expected one. Exit: 0 pass, 1 fail, 77 skip (no valgrind).
set -u
VG=${1:-}
CT=${2:?usage: run.sh VALGRIND CT_CHECK MODE}
MODE=${3:?usage: run.sh VALGRIND CT_CHECK MODE}
if [ -z "$VG" ] || ! command -v "$VG" >/dev/null 2>&1; then
    echo "SKIP: valgrind not installed (apt-get install valgrind)"
    exit 77
fi
log=$(mktemp "${TMPDIR:-/tmp}/fwup-ct.XXXXXX")
trap 'rm -f "$log" "$log.out"' EXIT

"$VG" --tool=memcheck --error-exitcode=99 --read-inline-info=yes --num-callers=8 \
    --track-origins=no --log-file="$log" "$CT" "$MODE" >"$log.out" 2>&1
rc=$?

# One line per report: KIND|innermost frame (function (file:line)).
reports=$(awk '
    / (Conditional jump or move depends on uninitialised|Use of uninitialised value|Syscall param|Invalid (read|write))/ {
        sub(/^==[0-9]+== /, ""); kind = $0; want = 1; next }
    want && /^==[0-9]+== +(at|by) 0x/ {
        sub(/^==[0-9]+== +at 0x[0-9A-Fa-f]+: /, ""); print kind "|" $0; want = 0 }' "$log")
n=0
[ -n "$reports" ] && n=$(printf '%s\n' "$reports" | wc -l)

show() {
    echo "---- valgrind report ($MODE, exit $rc):"
    grep -v -e 'Copyright' -e 'Using Valgrind' -e 'Command:' -e 'Memcheck, a memory' "$log"
    echo "---- ct_check output:"
    cat "$log.out"
}
fail() { echo "FAIL: ct-$MODE: $*"; show; exit 1; }

outcome_ok=0
grep -q '^ct_check: outcome as expected' "$log.out" && outcome_ok=1
# the compare functions: a report innermost in one of them is a leak
inside='^[^|]*\|(ct_equal|check_content|fwup_ct_equal|CRYPTO_memcmp|[_a-z0-9]*memcmp[_a-z0-9]*|[_a-z0-9]*bcmp[_a-z0-9]*|leaky_equal[.a-z0-9]*) '

case $MODE in
leaky)
    [ "$outcome_ok" = 1 ] || fail "the control compare gave the wrong answer"
    printf '%s\n' "$reports" | grep -Eq '^Conditional jump[^|]*\|leaky_equal' ||
        fail "negative control: memcheck did NOT flag the early-exit compare (the harness detects nothing)"
    echo "PASS: ct-negative-control: memcheck flags the early-exit compare:"
    printf '  %s\n' "$reports"
    ;;
host)
    [ "$outcome_ok" = 1 ] || fail "wrong outcome"
    if [ "$n" != 0 ] || [ "$rc" != 0 ]; then
        fail "$n report(s) on secret bytes in fwup_ct_equal / fwup_wipe"
    fi
    echo "PASS: ct-host: fwup_ct_equal and fwup_wipe: no branch or address on the secret"
    ;;
*)
    [ "$outcome_ok" = 1 ] || fail "wrong outcome (accept/refuse)"
    if printf '%s\n' "$reports" | grep -Eq "$inside"; then
        fail "a report INSIDE the compare: it depends on the secret bytes"
    fi
    if printf '%s\n' "$reports" | grep -vq '^Conditional jump'; then
        fail "a secret used other than in the verdict (address, syscall or invalid access)"
    fi
    [ "$n" -le 1 ] || fail "$n reports: more than the one verdict"
    if [ "$n" = 1 ]; then
        echo "PASS: ct-$MODE: no branch inside the compare; the one report is the public verdict:"
        printf '  %s\n' "$reports"
    else
        echo "PASS: ct-$MODE: no report at all (the verdict is branch-free too)"
    fi
    ;;
esac
exit 0
