#!/bin/bash
# Trial boot and revert, with a power cut at every flash operation of the
# reverting boot.
#
# Device: v1 confirmed in A; v2 installed in B and booted once in trial
# without confirming (--fail-health). The next boot must revert to A: for
# every cut N of that boot, the following boot must run v1 (B failed its
# trial and is never booted again), the anti-rollback value stays 1, and
# installing v2 again then completes with v2 booted and confirmed.
# Also: an image carrying the failure marker fails its own health check.
. "$SIMTESTS/../cli/lib.sh"
. "$SIMTESTS/simlib.sh"

new_device "$T/base"
sim install "$T/base" "$T/v1.suit" --payloads "$P" || fail "v1 install"
sim boot "$T/base" || fail "v1 boot"
sim install "$T/base" "$T/v2.suit" --payloads "$P" || fail "v2 install"
expect_exit 0 "$FWUP_SIM" boot "$T/base" --fail-health --json
checks=$((checks + 1))
[ "$(jq -r '.slot + " " + .outcome' "$T/out")" = "B trial-unconfirmed" ] || fail "trial boot: $(cat "$T/out")"
# While the trial runs unconfirmed, no update may overwrite the fallback.
expect_exit 1 "$FWUP_SIM" install "$T/base" "$T/v3.suit" --payloads "$P" --json
expect_out 'FWUP_E_BAD_STATE'
checks=$((checks + 1))
[ "$(jq -r '.flash.operations' "$T/out")" = 0 ] || fail "refused install wrote to the flash"

cp -a "$T/base" "$T/ref"
"$FWUP_SIM" boot "$T/ref" --json >"$T/ref.json" || fail "revert boot"
REV_OPS=$(jq -r '.flash.operations' "$T/ref.json")
checks=$((checks + 1))
[ "$(jq -r '.slot + " " + .reverted + " " + .outcome' "$T/ref.json")" = "A B confirmed" ] ||
    fail "revert boot: $(cat "$T/ref.json")"

tried=0 survived=0
for N in $(seq 0 "$REV_OPS"); do
    rm -rf "$T/d"; cp -a "$T/base" "$T/d"
    checks=$((checks + 1)); tried=$((tried + 1))
    "$FWUP_SIM" boot "$T/d" --power-cut-after "$N" >/dev/null 2>&1
    rc=$?
    want=75; [ "$N" -ge "$REV_OPS" ] && want=0
    [ "$rc" = "$want" ] || { fail "revert cut $N: exit $rc, want $want"; continue; }
    boot_json "$T/d"
    [ "$BOOT_RC" = 0 ] && [ "$BOOT_SEQ" = 1 ] || { fail "revert cut $N: booted '$BOOT_SEQ' rc $BOOT_RC"; continue; }
    [ "$(anti_rollback "$T/d")" = 1 ] || { fail "revert cut $N: anti-rollback changed"; continue; }
    # The failed trial is never tried again.
    boot_json "$T/d"
    [ "$BOOT_SEQ" = 1 ] || { fail "revert cut $N: B booted again"; continue; }
    sim install "$T/d" "$T/v2.suit" --payloads "$P" || { fail "revert cut $N: re-install: $(cat "$T/err")"; continue; }
    boot_json "$T/d"
    [ "$BOOT_SEQ" = 2 ] && [ "$BOOT_OUTCOME" = trial-confirmed ] || { fail "revert cut $N: v2 not confirmed"; continue; }
    survived=$((survived + 1))
done
echo "revert power cut: $REV_OPS flash operations, tried $tried cut points, $survived survived"

# The failure marker inside an image: the image fails its own health check.
mkenv "$T/bad.suit" 3 bad.bin
new_device "$T/m"
sim install "$T/m" "$T/v1.suit" --payloads "$P" && sim boot "$T/m" || fail "marker: setup"
expect_exit 0 "$FWUP_SIM" install "$T/m" "$T/bad.suit" --payloads "$P"
expect_exit 0 "$FWUP_SIM" boot "$T/m" && expect_out 'booted slot B \(sequence 3, trial-unconfirmed\)'
expect_exit 0 "$FWUP_SIM" boot "$T/m" && expect_out 'reverted: slot B' && expect_out 'booted slot A \(sequence 1, confirmed\)'
done_testing
