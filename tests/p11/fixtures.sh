#!/bin/sh
# tests/p11/fixtures.sh DIR : test-only objects on top of keys/hsm-setup.sh's
# token (run by tests/with-hsm.sh -x, with SOFTHSM2_CONF etc. exported).
# Nothing here goes into the demo token.
#
#   token fwup-test, extra keys:
#     id 10 and id 11  both labelled "dup"   (P-256)  -> FWUP_E_PKCS11_AMBIGUOUS
#     id 20  "nosign"  (tests clear its CKA_SIGN)    -> _NOT_ALLOWED
#   token fwup-lock (PIN 1111), key id 01 "victim", PIN locked -> _PIN_LOCKED
#   DIR/nomech.conf   same tokens, but the slot offers no ECDSA / EdDSA
#                     mechanism (a SoftHSM whitelist) -> _MECHANISM
set -eu
dir=$1
: "${SOFTHSM2_CONF:?}" "${SOFTHSM2_MODULE:?}" "${FWUP_HSM_TOKEN:?}" "${FWUP_HSM_PIN:?}"

gen() { # token pin label id key-type usage
    pkcs11-tool --module "$SOFTHSM2_MODULE" --token-label "$1" --login --pin "$2" \
        --keypairgen --key-type "$5" --label "$3" --id "$4" "$6"
}
gen "$FWUP_HSM_TOKEN" "$FWUP_HSM_PIN" dup 10 EC:prime256v1 --usage-sign
gen "$FWUP_HSM_TOKEN" "$FWUP_HSM_PIN" dup 11 EC:prime256v1 --usage-sign
# CKA_SIGN is cleared by the tests (pkcs11-tool cannot make it false).
gen "$FWUP_HSM_TOKEN" "$FWUP_HSM_PIN" nosign 20 EC:prime256v1 --usage-derive

softhsm2-util --init-token --free --label fwup-lock --so-pin 8765 --pin 1111
gen fwup-lock 1111 victim 01 EC:prime256v1 --usage-sign

# SoftHSM 2.6.1 never locks a PIN: after any number of wrong PINs it only sets
# CKF_USER_PIN_COUNT_LOW, and C_Login does not even look at the lock flag
# (checked: 11 wrong tries, then the right PIN still logs in). What it does is
# report the token flags it keeps in token.object, which is how a real token
# tells a client its PIN is locked. So set CKF_USER_PIN_LOCKED (0x40000) in
# the stored flags attribute (SoftHSM's CKA_OS_TOKENFLAGS = 0x8000534b, kind
# 2 = CK_ULONG, big-endian 8 bytes) of the fwup-lock token.
tokfile=$(grep -l fwup-lock "$dir"/tokens/*/token.object)
python3 - "$tokfile" <<'PY'
import struct, sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = b.find(struct.pack(">QQ", 0x8000534B, 2))
assert i >= 0, "token flags attribute not found"
v = struct.unpack_from(">Q", b, i + 16)[0]
struct.pack_into(">Q", b, i + 16, v | 0x40000)
open(p, "wb").write(b)
PY

# Only a digest and EC key generation: no CKM_ECDSA, no CKM_EDDSA. (SoftHSM's
# "-CKM_X" blacklist form did not remove ECDSA here; the whitelist does.)
sed 's/^slots.mechanisms.*/slots.mechanisms = CKM_SHA256,CKM_EC_KEY_PAIR_GEN/' \
    "$SOFTHSM2_CONF" > "$dir/nomech.conf"
