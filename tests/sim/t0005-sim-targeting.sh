#!/bin/bash
# Targeting and authentication: an envelope for another vendor, class or
# device, or not signed as the policy requires, is rejected without a single
# flash write (operation counter 0 and the flash file byte-identical).
. "$SIMTESTS/../cli/lib.sh"
. "$SIMTESTS/simlib.sh"

new_device "$T/d" --device "$DEVICE"
sim install "$T/d" "$T/v1.suit" --payloads "$P" && sim boot "$T/d" || fail "setup"

# rejected NAME ERRPATTERN [mkenv options] : build, install, check zero writes
# (exit 1; EXIT=3 for a component the device does not have: the library
# classes FWUP_E_SUIT_COMPONENT as a SUIT structure error)
rejected() {
    name=$1 pat=$2; shift 2
    want=${EXIT:-1}
    python3 "$SIMTESTS/mkenv.py" -o "$T/$name.suit" --seq 5 --payload "$P/fw2.bin" "$@" ||
        { fail "$name: mkenv"; return; }
    cp "$T/d/flash.bin" "$T/before.bin"
    cp "$T/d/flash.meta" "$T/before.meta"
    expect_exit "$want" "$FWUP_SIM" install "$T/d" "$T/$name.suit" --payloads "$P" --json
    expect_out "$pat"
    checks=$((checks + 1))
    [ "$(jq -r '.flash.operations' "$T/out")" = 0 ] || fail "$name: flash operations performed"
    expect_same "$T/d/flash.bin" "$T/before.bin"
    expect_same "$T/d/flash.meta" "$T/before.meta"
}
AB="-k $KEYS/key-a-priv.pem -k $KEYS/key-b-priv.pem"
OTHER=$(uuid5 6ba7b810-9dad-11d1-80b4-00c04fd430c8 other.example)
# shellcheck disable=SC2086
rejected wrong-vendor 'WRONG_VENDOR|CONDITION_FAILED' --vendor "$OTHER" --class "$CLASS" $AB
# shellcheck disable=SC2086
rejected wrong-class 'WRONG_CLASS|CONDITION_FAILED' --vendor "$VENDOR" --class "$(uuid5 "$VENDOR" other-board)" $AB
# shellcheck disable=SC2086
rejected wrong-device 'WRONG_DEVICE|CONDITION_FAILED' --vendor "$VENDOR" --class "$CLASS" \
    --device 00000000-0000-4000-8000-000000000000 $AB
# shellcheck disable=SC2086
EXIT=3 rejected wrong-component 'SUIT_COMPONENT' --vendor "$VENDOR" --class "$CLASS" --component 01 $AB
rejected author-only 'POLICY_ROLE_MISSING|POLICY_TOO_FEW' --vendor "$VENDOR" --class "$CLASS" \
    -k "$KEYS/key-a-priv.pem"
rejected unsigned 'NO_AUTH_BLOCK' --vendor "$VENDOR" --class "$CLASS"

# A forged payload: authentic manifest, payload bytes changed. The processor's
# image-match catches it after the write; the slot is never committed.
cp "$P/fw2.bin" "$T/fw2.orig"
mkenv "$T/v5.suit" 5 fw2.bin
printf 'X' | dd of="$P/fw2.bin" bs=1 seek=7 conv=notrunc 2>/dev/null
expect_exit 1 "$FWUP_SIM" install "$T/d" "$T/v5.suit" --payloads "$P" --json
expect_out 'CONDITION_FAILED|IMAGE_DIGEST'
cp "$T/fw2.orig" "$P/fw2.bin"
boot_json "$T/d"
checks=$((checks + 1))
[ "$BOOT_SEQ" = 1 ] || fail "forged payload: booted $BOOT_SEQ"
expect_exit 0 "$FWUP_SIM" status "$T/d" --json
checks=$((checks + 1))
[ "$(jq -r '.last_install.result' "$T/out")" != FWUP_OK ] || fail "failed install not recorded"

# An authentic manifest that writes the image and never checks it (no
# image-match anywhere): the device does not commit what nobody verified.
# The slot was written (the install got that far), so the state log says
# EMPTY for it and records the failure; v1 still boots.
# shellcheck disable=SC2086
python3 "$SIMTESTS/mkenv.py" -o "$T/unchecked.suit" --seq 5 --payload "$P/fw2.bin" \
    --vendor "$VENDOR" --class "$CLASS" --no-image-match $AB || fail "unchecked: mkenv"
expect_exit 1 "$FWUP_SIM" install "$T/d" "$T/unchecked.suit" --payloads "$P" --json
expect_out 'DIRECTIVE_FAILED'
expect_out 'never checked the image it installed'
checks=$((checks + 1))
[ "$(jq -r '.flash.operations' "$T/out")" -gt 0 ] || fail "unchecked: the refusal came before the write"
boot_json "$T/d"
checks=$((checks + 1))
[ "$BOOT_SEQ" = 1 ] || fail "unchecked image: booted $BOOT_SEQ"
expect_exit 0 "$FWUP_SIM" status "$T/d" --json
checks=$((checks + 1))
[ "$(jq -r '.last_install.result' "$T/out")" = FWUP_E_DIRECTIVE_FAILED ] ||
    fail "unchecked: last install $(jq -r '.last_install.result' "$T/out")"
checks=$((checks + 1))
[ "$(jq -r '.slots[] | select(.name == "B") | .state' "$T/out")" = empty ] ||
    fail "unchecked: slot B $(jq -c '.slots' "$T/out")"

# The right device id is accepted.
mkenv "$T/v6.suit" 6 fw2.bin --device "$DEVICE"
expect_exit 0 "$FWUP_SIM" install "$T/d" "$T/v6.suit" --payloads "$P"
boot_json "$T/d"
checks=$((checks + 1))
[ "$BOOT_SEQ" = 6 ] || fail "device-targeted update not booted"
# A device-targeted envelope does not fit a device without that id.
new_device "$T/other"
sim install "$T/other" "$T/v1.suit" --payloads "$P" && sim boot "$T/other" || fail "other setup"
cp "$T/other/flash.bin" "$T/before.bin"
expect_exit 1 "$FWUP_SIM" install "$T/other" "$T/v6.suit" --payloads "$P"
expect_same "$T/other/flash.bin" "$T/before.bin"
done_testing
