#!/bin/bash
# The draft's suit-manifest-es-ecdh-dependency.suit on fwup-sim
# (draft-ietf-suit-firmware-encryption-24 + draft-ietf-suit-trust-domains):
# the dependent (signed KEY-B) sets content + encryption-info on
# ['decrypted-firmware'], its integrated dependency "#dependency-manifest"
# (signed KEY-A) writes that component and checks image-match. The device
# holds the ECDH-ES+A128KW key; its policy wants the operator (KEY-B) for the
# root and the author (KEY-A) for the dependency. Decryption happens inside
# the DEPENDENCY's write, with the dependent's parameters.
#  - installs: slot A holds the 30-byte plaintext; the manifest has no invoke
#    sequence, so the bootloader refuses to boot it (FWUP_E_SUIT_MISSING);
#  - roles swapped, dependency signer unknown, identity checks required,
#    tampered dependency: refused with ZERO flash operations; wrong device
#    key, a KEK, no key: refused before the first flash write (the key is
#    tried in write_begin), flash byte-identical;
#  - every power cut of the install: nothing committed, the re-run installs.
. "$SIMTESTS/../cli/lib.sh"
. "$SIMTESTS/simlib.sh"
V=$VECTORS/encryption/suit-manifest-es-ecdh-dependency.suit
DEVKEY=$KEYS/ecdh-device-p256.pem
PLAIN='This is a real firmware image.'
SA=$(jq .partitions.slot_a.offset "$T/layout.json")
jq '.component = ["decrypted-firmware"]' "$T/layout.json" >"$T/dep-layout.json"

BOTH='[ {"role": "author", "key": "'$KEYS'/key-a-pub.pem"},
         {"role": "operator", "key": "'$KEYS'/key-b-pub.pem"} ]'
policy() { # FILE REQUIRE DEPENDENCY-ROLES ANCHORS
    cat >"$1" <<JSON
{ "fwup_policy": 1, "anchors": $4, "require": ["$2"], "dependency_roles": ["$3"] }
JSON
}
policy "$T/good.json" operator author "$BOTH"
policy "$T/swapped.json" author operator "$BOTH"
policy "$T/nodepkey.json" operator operator '[ {"role": "operator", "key": "'"$KEYS/key-b-pub.pem"'"} ]'
dev() { # DIR POLICY [init options]
    d=$1 pol=$2; shift 2
    "$FWUP_SIM" init "$d" --layout "$T/dep-layout.json" --policy "$pol" \
        --vendor-domain example.com --model sim-board "$@" >/dev/null ||
        { echo "init $d failed" >&2; exit 1; }
}
head_of() { dd if="$1/flash.bin" bs=1 skip="$2" count="$3" status=none; }
slot_state() { "$FWUP_SIM" status "$1" --json | jq -r ".slots[$2].state"; }

# Installs; the plaintext is in slot A; not bootable (no invoke).
dev "$T/d" "$T/good.json" --device-key "$DEVKEY" --no-identity-checks
expect_exit 0 "$FWUP_SIM" install "$T/d" "$V" --json
OPS=$(jq -r .flash.operations "$T/out")
checks=$((checks + 1))
[ "$(jq -r '[.slot, .image_size] | join(" ")' "$T/out")" = "A 30" ] ||
    fail "install result $(jq -c . "$T/out")"
checks=$((checks + 1))
[ "$(head_of "$T/d" "$SA" 30)" = "$PLAIN" ] || fail "slot A does not hold the plaintext"
checks=$((checks + 1))
[ "$(slot_state "$T/d" 0)" = trial ] || fail "slot A not committed"
expect_exit 1 "$FWUP_SIM" boot "$T/d"
expect_out 'skipped slot A: required SUIT element missing'
expect_err 'FWUP_E_NO_BOOTABLE_IMAGE'

# refused NAME EXIT PATTERN POLICY [init options]: nothing written at all
refused() {
    name=$1 code=$2 pat=$3 pol=$4; shift 4
    rm -rf "$T/r"
    dev "$T/r" "$pol" "$@"
    cp "$T/r/flash.bin" "$T/before.bin"
    expect_exit "$code" "$FWUP_SIM" install "$T/r" "${ENV_OVERRIDE:-$V}" --json
    checks=$((checks + 1))
    [ "$(jq -r .flash.operations "$T/out")" = 0 ] || fail "$name: flash operations performed"
    checks=$((checks + 1))
    jq -r '.error.name + ": " + .error.message' "$T/out" | grep -Eq "$pat" ||
        fail "$name: error $(jq -c .error "$T/out"), want /$pat/"
    expect_same "$T/r/flash.bin" "$T/before.bin"
}
refused roles-swapped 1 'POLICY_ROLE_MISSING' "$T/swapped.json" --device-key "$DEVKEY" --no-identity-checks
refused dependency-signer-unknown 1 'SIG_VERIFY' "$T/nodepkey.json" --device-key "$DEVKEY" --no-identity-checks
refused identity-required 3 'SUIT_MISSING' "$T/good.json" --device-key "$DEVKEY"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/other-dev.pem" 2>/dev/null
refused wrong-device-key 5 "DECRYPT: no recipient's CEK unwraps" "$T/good.json" \
    --device-key "$T/other-dev.pem" --no-identity-checks
refused kek-device 5 'KEY_ALG_MISMATCH' "$T/good.json" --kek "$KEYS/a128kw-kek.bin" --no-identity-checks
refused no-key 5 'DECRYPT: encrypted payload, and this device has no decryption key' "$T/good.json" \
    --no-identity-checks
# The integrated dependency is the envelope's last member: change a byte of
# its manifest. The dependent's signature still verifies (integrated members
# are not signed); the dependency's own digest check does not.
python3 - "$V" "$T/tampered.suit" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[-20] ^= 1
open(sys.argv[2], "wb").write(b)
PY
ENV_OVERRIDE=$T/tampered.suit refused tampered-dependency 1 'MANIFEST_DIGEST' \
    "$T/good.json" --device-key "$DEVKEY" --no-identity-checks

# Every power cut of the install: slot A never committed by a cut install,
# and the re-run installs the plaintext.
dev "$T/base" "$T/good.json" --device-key "$DEVKEY" --no-identity-checks
tried=0 survived=0
for N in $(seq 0 $((OPS - 1))); do
    rm -rf "$T/c"; cp -a "$T/base" "$T/c"
    checks=$((checks + 1)); tried=$((tried + 1))
    "$FWUP_SIM" install "$T/c" "$V" --power-cut-after "$N" >/dev/null 2>&1
    rc=$?
    [ "$rc" = 75 ] || { fail "cut $N: exit $rc"; continue; }
    [ "$(slot_state "$T/c" 0)" = empty ] || { fail "cut $N: slot A committed"; continue; }
    sim install "$T/c" "$V" || { fail "cut $N: re-run: $(cat "$T/err")"; continue; }
    [ "$(slot_state "$T/c" 0)" = trial ] && [ "$(head_of "$T/c" "$SA" 30)" = "$PLAIN" ] ||
        { fail "cut $N: re-run did not install the plaintext"; continue; }
    survived=$((survived + 1))
done
echo "es-ecdh-dependency power cut: $OPS flash operations, tried $tried cut points, $survived survived"
done_testing
