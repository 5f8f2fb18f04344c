#!/bin/bash
# Exhaustive power cut over an A/B update (DESIGN.md §1.6).
#
# Device: v1 installed in slot A and confirmed. Update: v2 into slot B.
#  1. For every N from 0 to the number of flash operations of the install,
#     cut the install after N operations, then boot: the device must boot a
#     valid image (v1 while the install had not committed, v2 once it had;
#     never a partial one: the bootloader re-verifies the digest), the
#     anti-rollback value must be unchanged, and running the install again
#     must complete with v2 booted and confirmed.
#  2. The same for every cut point of the first boot after the install
#     (trial boot + self-confirmation).
. "$SIMTESTS/../cli/lib.sh"
. "$SIMTESTS/simlib.sh"

new_device "$T/base"
sim install "$T/base" "$T/v1.suit" --payloads "$P" || { fail "v1 install"; done_testing; exit; }
sim boot "$T/base" || fail "v1 boot"

# Reference run: how many operations does the install take?
cp -a "$T/base" "$T/ref"
"$FWUP_SIM" install "$T/ref" "$T/v2.suit" --payloads "$P" --json >"$T/ref.json" || fail "v2 install"
OPS=$(jq -r '.flash.operations' "$T/ref.json")
"$FWUP_SIM" boot "$T/ref" --json >"$T/refboot.json" || fail "v2 boot"
BOOT_OPS=$(jq -r '.flash.operations' "$T/refboot.json")

# finish_update DIR: re-run the install if v2 is not booted yet, then check
# that v2 is booted and confirmed.
finish_update() {
    boot_json "$1"
    if [ "$BOOT_SEQ" != 2 ]; then
        sim install "$1" "$T/v2.suit" --payloads "$P" || { fail "$2: re-install: $(cat "$T/err")"; return 1; }
        boot_json "$1"
    fi
    [ "$BOOT_RC" = 0 ] && [ "$BOOT_SEQ" = 2 ] || { fail "$2: v2 not booted after re-install ($BOOT_RC $BOOT_SEQ)"; return 1; }
    [ "$(anti_rollback "$1")" = 2 ] || { fail "$2: anti-rollback not 2 after the update"; return 1; }
    return 0
}

tried=0 survived=0
for N in $(seq 0 "$OPS"); do
    rm -rf "$T/d"; cp -a "$T/base" "$T/d"
    checks=$((checks + 1)); tried=$((tried + 1))
    "$FWUP_SIM" install "$T/d" "$T/v2.suit" --payloads "$P" --power-cut-after "$N" >/dev/null 2>&1
    rc=$?
    want=75; [ "$N" -ge "$OPS" ] && want=0
    [ "$rc" = "$want" ] || { fail "install cut $N: exit $rc, want $want"; continue; }
    [ "$(anti_rollback "$T/d")" = 1 ] || { fail "install cut $N: anti-rollback changed"; continue; }
    boot_json "$T/d"
    [ "$BOOT_RC" = 0 ] || { fail "install cut $N: boot failed: $(cat "$T/err")"; continue; }
    # Before the commit record completes, only v1 may boot; after it, v2.
    if [ "$N" -lt "$OPS" ]; then wantseq=1; else wantseq=2; fi
    [ "$BOOT_SEQ" = "$wantseq" ] || { fail "install cut $N: booted sequence $BOOT_SEQ, want $wantseq"; continue; }
    finish_update "$T/d" "install cut $N" || continue
    survived=$((survived + 1))
done
echo "install power cut: $OPS flash operations, tried $tried cut points, $survived survived"

# The installed-but-not-booted device, and every cut of its first boot.
cp -a "$T/base" "$T/installed"
sim install "$T/installed" "$T/v2.suit" --payloads "$P" || fail "v2 install"
btried=0 bsurvived=0
for N in $(seq 0 "$BOOT_OPS"); do
    rm -rf "$T/d"; cp -a "$T/installed" "$T/d"
    checks=$((checks + 1)); btried=$((btried + 1))
    "$FWUP_SIM" boot "$T/d" --power-cut-after "$N" >/dev/null 2>&1
    rc=$?
    want=75; [ "$N" -ge "$BOOT_OPS" ] && want=0
    [ "$rc" = "$want" ] || { fail "boot cut $N: exit $rc, want $want"; continue; }
    ar=$(anti_rollback "$T/d")
    [ "$ar" = 1 ] || [ "$ar" = 2 ] || { fail "boot cut $N: anti-rollback $ar"; continue; }
    boot_json "$T/d"
    [ "$BOOT_RC" = 0 ] || { fail "boot cut $N: next boot failed: $(cat "$T/err")"; continue; }
    [ "$BOOT_SEQ" = 1 ] || [ "$BOOT_SEQ" = 2 ] || { fail "boot cut $N: booted $BOOT_SEQ"; continue; }
    finish_update "$T/d" "boot cut $N" || continue
    bsurvived=$((bsurvived + 1))
done
echo "first-boot power cut: $BOOT_OPS flash operations, tried $btried cut points, $bsurvived survived"
done_testing
