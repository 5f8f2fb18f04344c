#!/bin/bash
# fwup encrypt: every mode and recipient kind, each result decrypted by an
# INDEPENDENT implementation (enc_check.py: cbor2 + cryptography); fresh CEK
# and IV per run; usage, key and I/O errors with their exit status and no
# output left behind.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
CHECK="$(dirname "$0")/enc_check.py"
KEK="$VECTORS/keys/a128kw-kek.bin"
DEV="$VECTORS/keys/ecdh-device-p256.pem"
DEVPUB="$(dirname "$0")/device-p256-pub.pem"
head -c 5000 /dev/urandom > "$T/fw.bin"

check() { # check INFO CT ARGS... : the independent decryptor must accept
    checks=$((checks + 1))
    "$PY" "$CHECK" "$@" >"$T/py" 2>&1 || fail "enc_check $*: $(cat "$T/py")"
}
check_fails() {
    checks=$((checks + 1))
    "$PY" "$CHECK" "$@" >"$T/py" 2>&1 && fail "enc_check accepted $*"
}
size_is() { checks=$((checks + 1)); [ "$(stat -c %s "$1")" = "$2" ] || fail "$1: size $(stat -c %s "$1"), want $2"; }

expect_exit 0 "$FWUP" encrypt --help
expect_out '^usage: fwup encrypt PAYLOAD'

# A128GCM (default) for a KEK with a kid and a device public key.
expect_exit 0 "$FWUP" encrypt "$T/fw.bin" -o "$T/ct" --info-out "$T/info" \
    --kek "$KEK" --kid kid-1 --recipient "dev-2=$DEVPUB"
expect_err "encrypted .* with A128GCM for 2 recipients"
size_is "$T/ct" 5016
check "$T/info" "$T/ct" --kek "$KEK" --kid kid-1 --expect "$T/fw.bin" --alg 1 --recipients 2
check "$T/info" "$T/ct" --device-key "$DEV" --kid dev-2 --expect "$T/fw.bin"
check_fails "$T/info" "$T/ct" --kek "$VECTORS/keys/hmac256-secret.bin" --expect "$T/fw.bin"
# A128CTR: length preserving, empty protected header (checked by enc_check).
expect_exit 0 "$FWUP" encrypt "$T/fw.bin" -o "$T/ctr" --info-out "$T/ctr.info" \
    --alg a128ctr --recipient "$DEVPUB" --kek "$KEK"
size_is "$T/ctr" 5000
check "$T/ctr.info" "$T/ctr" --device-key "$DEV" --expect "$T/fw.bin" --alg -65534
check "$T/ctr.info" "$T/ctr" --kek "$KEK" --expect "$T/fw.bin" --alg -65534
# Fresh CEK and IV each time: the same payload twice gives other bytes.
expect_exit 0 "$FWUP" encrypt "$T/fw.bin" -o "$T/ct2" --info-out "$T/info2" --kek "$KEK" --kid kid-1
checks=$((checks + 1)); cmp -s "$T/ct" "$T/ct2" && fail "two encryptions gave the same ciphertext"
# An empty payload is still a valid (tag-only) ciphertext.
: > "$T/empty"
expect_exit 0 "$FWUP" encrypt "$T/empty" -o "$T/ct0" --info-out "$T/info0" --kek "$KEK"
size_is "$T/ct0" 16
check "$T/info0" "$T/ct0" --kek "$KEK" --expect "$T/empty"

# Usage errors (2): nothing written.
O="$T/o/ct"; I="$T/o/info"; mkdir -p "$T/o"
expect_exit 2 "$FWUP" encrypt "$T/fw.bin" -o "$O" --info-out "$I"
expect_err "no recipient"
expect_exit 2 "$FWUP" encrypt "$T/fw.bin" -o "$O" --kek "$KEK"
expect_err "missing --info-out"
expect_exit 2 "$FWUP" encrypt "$T/fw.bin" -o "$O" --info-out "$I" --kek "$KEK" --alg A256GCM
expect_err "unknown --alg 'A256GCM'"
expect_exit 2 "$FWUP" encrypt "$T/fw.bin" -o "$O" --info-out "$I" --kid x --kek "$KEK"
expect_err "--kid must follow a --kek"
expect_exit 2 "$FWUP" encrypt "$T/fw.bin" -o "$O" --info-out "$O" --kek "$KEK"
expect_exit 2 "$FWUP" encrypt -o "$O" --info-out "$I" --kek "$KEK"
expect_err "missing payload file"
expect_no_file "$O"; expect_no_file "$I"
# Bad key files (3): a 32-byte file is no A128KW KEK; a KEK is no PEM key;
# an Ed25519 key cannot do ECDH-ES+A128KW (P-256).
expect_exit 3 "$FWUP" encrypt "$T/fw.bin" -o "$O" --info-out "$I" --kek "$VECTORS/keys/hmac256-secret.bin"
expect_err "exactly 16 raw bytes .this one is larger. \[FWUP_E_KEY_FORMAT\]"
expect_exit 3 "$FWUP" encrypt "$T/fw.bin" -o "$O" --info-out "$I" --recipient "$KEK"
expect_err "FWUP_E_KEY_FORMAT"
openssl genpkey -algorithm ed25519 -out "$T/ed.pem" 2>/dev/null
expect_exit 3 "$FWUP" encrypt "$T/fw.bin" -o "$O" --info-out "$I" --recipient "$T/ed.pem"
expect_err "needs a P-256 key"
expect_no_file "$O"; expect_no_file "$I"
# I/O (4): missing payload, missing key, unwritable output directory.
expect_exit 4 "$FWUP" encrypt "$T/missing.bin" -o "$O" --info-out "$I" --kek "$KEK"
expect_err "FWUP_E_IO_OPEN"
expect_exit 4 "$FWUP" encrypt "$T/fw.bin" -o "$O" --info-out "$I" --kek "$T/nokek"
expect_err "cannot open key"
expect_exit 4 "$FWUP" encrypt "$T/fw.bin" -o "$T/nodir/ct" --info-out "$I" --kek "$KEK"
expect_no_file "$O"; expect_no_file "$I"
# A private key as recipient works (only the public half is used) but warns.
expect_exit 0 "$FWUP" encrypt "$T/fw.bin" -o "$O" --info-out "$I" --recipient "$DEV"
expect_err "warning: a --recipient is a PRIVATE key"
check "$I" "$O" --device-key "$DEV" --expect "$T/fw.bin"
# The description names the outputs (docs/description.md "Encrypted images"):
# create checks the info with the device's parser and the ciphertext's size.
desc() { # desc INFO CIPHERTEXT SOURCE
    cat > "$T/d.json" <<JSON
{ "sequence-number": 1, "identity": { "vendor-domain": "example.com", "model": "m" },
  "components": [ { "id": [{"hex": "00"}], "image": { "file": "$T/fw.bin" }, $3,
    "encryption": { "info": "$1", "ciphertext": "$2" } } ] }
JSON
}
desc "$T/info" "$T/ct" '"integrated": "#fw"'
expect_exit 0 "$FWUP" create "$T/d.json" -o "$T/d.suit"
expect_exit 0 "$FWUP" show "$T/d.suit"
expect_out "encryption-info"
desc "$T/info" "$T/ctr" '"integrated": "#fw"'
expect_exit 3 "$FWUP" create "$T/d.json" -o "$T/d2.suit"
expect_err "the ciphertext is 5000 bytes.*must be 5016.*FWUP_E_DESC_CONFLICT"
desc "$KEK" "$T/ct" '"uri": "https://x/fw.enc"'
expect_exit 3 "$FWUP" create "$T/d.json" -o "$T/d2.suit"
expect_err "not a usable SUIT_Encryption_Info.*FWUP_E_DESC_VALUE"
expect_no_file "$T/d2.suit"
done_testing
