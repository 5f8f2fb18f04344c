#!/bin/bash
# The report log's power-fail invariant (device-sim/replog.h): a cut at any
# operation of a report append leaves the update's outcome (state log,
# slots) as it was and every earlier report valid and byte-identical, except
# the oldest ones of a sector being recycled; the new report is whole or
# absent, and the next append works.
. "$SIMTESTS/../cli/lib.sh"
. "$SIMTESTS/simlib.sh"
. "$(dirname "$0")/lib-report.sh"
export FWUP_SIM_CLOCK=1700000000

# export DIR OUT: every report of DIR into OUT (fresh)
export_all() { rm -rf "$2"; "$FWUP_SIM" report "$1" --all -o "$2" >/dev/null 2>&1; }

# 1. Cut the report write of a successful install at every operation.
new_device "$T/base"
sim install "$T/base" "$T/v1.suit" --payloads "$P" && sim boot "$T/base" || fail "v1 setup"
export_all "$T/base" "$T/before"
tried=0 ok=0
for N in $(seq 0 12); do
    rm -rf "$T/c"; cp -a "$T/base" "$T/c"
    "$FWUP_SIM" install "$T/c" "$T/v2.suit" --payloads "$P" --power-cut-report-after "$N" >/dev/null 2>"$T/ierr"
    rc=$?
    tried=$((tried + 1)); checks=$((checks + 1))
    # the update itself committed before the report: v2 boots either way
    boot_json "$T/c"
    [ "$BOOT_SEQ" = 2 ] || fail "report cut $N: booted $BOOT_SEQ, want 2"
    export_all "$T/c" "$T/after"
    expect_same "$T/after/report-00000001.cbor" "$T/before/report-00000001.cbor"
    n=$(ls "$T/after" | wc -l)
    checks=$((checks + 1))
    if [ "$rc" = 75 ]; then
        grep -q 'report-log operations' "$T/ierr" || fail "report cut $N: no cut message"
        [ "$n" = 1 ] || fail "report cut $N: torn report listed ($n reports)"
        # the next attempt appends after the torn slot
        "$FWUP_SIM" install "$T/c" "$T/v1.suit" --payloads "$P" --json >"$T/out" 2>/dev/null
        jq_is '.report' 2
    elif [ "$rc" = 0 ]; then
        [ "$n" = 2 ] || fail "report cut $N: complete report missing"
        ok=$((ok + 1))
        break
    else
        fail "report cut $N: exit $rc"
    fi
done
echo "report append: tried $tried cut points"
checks=$((checks + 1))
[ "$ok" = 1 ] && [ "$tried" -ge 3 ] || fail "the append never completed, or took fewer than 3 operations"

# 2. A full ring (16 reports): the next append erases the oldest sector.
# Rejected installs (rollback) write nothing but their report.
for i in $(seq 2 16); do
    "$FWUP_SIM" install "$T/base" "$T/v1.suit" --payloads "$P" >/dev/null 2>&1
done
export_all "$T/base" "$T/before"
checks=$((checks + 1))
[ "$(ls "$T/before" | wc -l)" = 16 ] || fail "ring not full: $(ls "$T/before" | wc -l)"
cp "$T/base/flash.bin" "$T/flash.before"
tried=0
for N in $(seq 0 12); do
    rm -rf "$T/c"; cp -a "$T/base" "$T/c"
    "$FWUP_SIM" install "$T/c" "$T/v1.suit" --payloads "$P" --power-cut-report-after "$N" >/dev/null 2>&1
    rc=$?
    tried=$((tried + 1))
    expect_same "$T/c/flash.bin" "$T/flash.before"
    export_all "$T/c" "$T/after"
    n=$(ls "$T/after" | wc -l)
    checks=$((checks + 1))
    # at least the last 12 survive, each byte-identical
    [ "$n" -ge 12 ] || fail "ring cut $N: only $n reports left"
    for f in "$T"/after/*; do
        b=$(basename "$f")
        if [ -f "$T/before/$b" ]; then
            cmp -s "$f" "$T/before/$b" || fail "ring cut $N: $b changed"
        else
            [ "$rc" = 1 ] && [ "$b" = report-00000017.cbor ] || fail "ring cut $N: unexpected $b"
        fi
    done
    for k in $(seq 5 16); do
        [ -f "$T/after/report-$(printf %08d "$k").cbor" ] || fail "ring cut $N: report $k lost"
    done
    # a complete append: the install's own outcome (rollback refused: 1)
    [ "$rc" = 1 ] && break
    [ "$rc" = 75 ] || fail "ring cut $N: exit $rc"
    "$FWUP_SIM" install "$T/c" "$T/v1.suit" --payloads "$P" --json >"$T/out" 2>/dev/null
    jq_is '.report' 17
done
echo "ring wrap append: tried $tried cut points"
checks=$((checks + 1))
[ "$tried" -ge 3 ] && [ "$rc" = 1 ] || fail "wrap append: rc $rc after $tried tries"
done_testing
