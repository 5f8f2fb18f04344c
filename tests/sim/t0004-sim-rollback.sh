#!/bin/bash
# Rollback protection (manifest-37 §6.2, DESIGN.md §1.4): a sequence number
# not newer than the confirmed one is refused before any flash write; also
# after a revert; and the anti-rollback value survives power cuts.
. "$SIMTESTS/../cli/lib.sh"
. "$SIMTESTS/simlib.sh"

# refused DIR ENVELOPE: exit 1, FWUP_E_ROLLBACK, zero flash operations, flash unchanged
refused() {
    cp "$1/flash.bin" "$T/before.bin"
    expect_exit 1 "$FWUP_SIM" install "$1" "$2" --payloads "$P" --json
    expect_out 'FWUP_E_ROLLBACK'
    checks=$((checks + 1))
    [ "$(jq -r '.flash.operations' "$T/out")" = 0 ] || fail "rollback refusal wrote to the flash"
    expect_same "$1/flash.bin" "$T/before.bin"
}

new_device "$T/d"
sim install "$T/d" "$T/v2.suit" --payloads "$P" && sim boot "$T/d" || fail "v2 setup"
refused "$T/d" "$T/v2.suit"      # same sequence number
refused "$T/d" "$T/v1.suit"      # older
mkenv "$T/v0.suit" 0 fw1.bin
refused "$T/d" "$T/v0.suit"

# After a revert: v3 failed its trial, v2 runs again; v2 (and v1) stay refused,
# v3 may be offered again (it was never confirmed: the anti-rollback value
# is the highest CONFIRMED sequence number).
sim install "$T/d" "$T/v3.suit" --payloads "$P" || fail "v3 install"
sim boot "$T/d" --fail-health || fail "v3 trial"
boot_json "$T/d"
checks=$((checks + 1))
[ "$BOOT_SEQ" = 2 ] && [ "$(jq -r .reverted "$T/boot.json")" = B ] || fail "no revert to v2"
refused "$T/d" "$T/v2.suit"
refused "$T/d" "$T/v1.suit"
expect_exit 0 "$FWUP_SIM" install "$T/d" "$T/v3.suit" --payloads "$P"
boot_json "$T/d"
checks=$((checks + 1))
[ "$BOOT_SEQ" = 3 ] && [ "$(anti_rollback "$T/d")" = 3 ] || fail "v3 not confirmed after re-offer"
refused "$T/d" "$T/v3.suit"

# The anti-rollback value survives cuts: cut a v4 install and its first boot
# at every operation; the value is always 3 or (only after the confirm) 4.
mkenv "$T/v4.suit" 4 fw2.bin
cp -a "$T/d" "$T/base"
"$FWUP_SIM" install "$T/base" "$T/v4.suit" --payloads "$P" --json >"$T/i.json"
IOPS=$(jq -r '.flash.operations' "$T/i.json")
rm -rf "$T/base"; cp -a "$T/d" "$T/base"
tried=0
for N in $(seq 0 "$IOPS"); do
    rm -rf "$T/c"; cp -a "$T/base" "$T/c"
    "$FWUP_SIM" install "$T/c" "$T/v4.suit" --payloads "$P" --power-cut-after "$N" >/dev/null 2>&1
    checks=$((checks + 1)); tried=$((tried + 1))
    [ "$(anti_rollback "$T/c")" = 3 ] || fail "install cut $N: anti-rollback not 3"
    for M in 0 1 2; do
        rm -rf "$T/e"; cp -a "$T/c" "$T/e"
        "$FWUP_SIM" boot "$T/e" --power-cut-after "$M" >/dev/null 2>&1
        ar=$(anti_rollback "$T/e")
        checks=$((checks + 1))
        [ "$ar" = 3 ] || [ "$ar" = 4 ] || fail "install cut $N boot cut $M: anti-rollback $ar"
        # Whatever happened, v3 is never accepted again.
        expect_exit 1 "$FWUP_SIM" install "$T/e" "$T/v3.suit" --payloads "$P"
    done
done
echo "anti-rollback under power cuts: $tried install cut points x 3 boot cut points"
done_testing
