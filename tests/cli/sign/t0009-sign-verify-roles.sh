#!/bin/bash
# The release pipeline end to end: the author signs at build time, the
# operator co-signs later with another key (Ed25519 here, detached via
# openssl), and `fwup verify --require author,operator` accepts only the
# envelope that carries BOTH valid signatures.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
CHECK="$(dirname "$0")/cose_check.py"
IN="$VECTORS/draft37/example2-severed-unsigned.suit"
AUTH="$VECTORS/keys/key-a-priv.pem"
AUTHPUB="$VECTORS/keys/key-a-pub.pem"

if ! "$FWUP" verify --help >/dev/null 2>&1; then
    echo "fwup verify not available: skipping" >&2
    exit 77
fi

expect_exit 0 "$FWUP" keygen -a Ed25519 -o "$T/operator.pem"
OPPUB="$T/operator.pub.pem"
ROLES=(-t "author=$AUTHPUB" -t "operator=$OPPUB" --require author,operator)

# author at build time
expect_exit 0 "$FWUP" sign "$IN" -k "$AUTH" -o "$T/author.suit"
# operator later, elsewhere, detached (the key never meets the envelope file)
expect_exit 0 "$FWUP" sign "$T/author.suit" --tbs-out "$T/op.tbs" --pub "$OPPUB"
openssl pkeyutl -sign -rawin -inkey "$T/operator.pem" -in "$T/op.tbs" -out "$T/op.sig"
expect_exit 0 "$FWUP" sign "$T/author.suit" --attach "$T/op.sig" --pub "$OPPUB" -o "$T/both.suit"
# operator only (operator signs the unsigned envelope directly)
expect_exit 0 "$FWUP" sign "$IN" -k "$T/operator.pem" -o "$T/operator.suit"

# both: accepted
expect_exit 0 "$FWUP" verify "$T/both.suit" "${ROLES[@]}"
expect_out "author, operator"
# author only / operator only: verification says no (1), naming the missing role
expect_exit 1 "$FWUP" verify "$T/author.suit" "${ROLES[@]}"
expect_err "required role 'operator' .*\[FWUP_E_POLICY_ROLE_MISSING\]"
expect_exit 1 "$FWUP" verify "$T/operator.suit" "${ROLES[@]}"
expect_err "required role 'author' .*\[FWUP_E_POLICY_ROLE_MISSING\]"
# each alone is fine when only that role is required
expect_exit 0 "$FWUP" verify "$T/author.suit" -t "author=$AUTHPUB" --require author
expect_exit 0 "$FWUP" verify "$T/operator.suit" -t "operator=$OPPUB" --require operator

# both, with the operator's signature tampered (one bit): rejected
"$PY" - "$T/both.suit" "$T/both-opbad.suit" 1 <<'EOP'
import sys, cbor2
raw = bytearray(open(sys.argv[1], "rb").read())
env = cbor2.loads(bytes(raw)).value
blk = cbor2.loads(env[2])[1 + int(sys.argv[3])]
at = raw.find(blk)
assert at > 0 and raw.find(blk, at + 1) < 0
raw[at + len(blk) - 1] ^= 0x01          # last byte = last byte of the signature
open(sys.argv[2], "wb").write(raw)
EOP
expect_exit 1 "$FWUP" verify "$T/both-opbad.suit" "${ROLES[@]}"
# ... and with the author's tampered instead
"$PY" - "$T/both.suit" "$T/both-authbad.suit" 0 <<'EOP'
import sys, cbor2
raw = bytearray(open(sys.argv[1], "rb").read())
env = cbor2.loads(bytes(raw)).value
blk = cbor2.loads(env[2])[1 + int(sys.argv[3])]
at = raw.find(blk)
raw[at + len(blk) - 1] ^= 0x01
open(sys.argv[2], "wb").write(raw)
EOP
expect_exit 1 "$FWUP" verify "$T/both-authbad.suit" "${ROLES[@]}"
# ... and with the manifest changed after both signed (digest mismatch)
"$PY" - "$T/both.suit" "$T/both-man.suit" <<'EOP'
import sys
raw = bytearray(open(sys.argv[1], "rb").read())
raw[-1] ^= 0x01                          # the manifest is the last envelope element
open(sys.argv[2], "wb").write(raw)
EOP
expect_exit 1 "$FWUP" verify "$T/both-man.suit" "${ROLES[@]}"
# fwup sign refuses to add a signature to that envelope as well
expect_exit 1 "$FWUP" sign "$T/both-man.suit" -k "$VECTORS/keys/key-b-priv.pem" -o "$T/x.suit"
expect_no_file "$T/x.suit"
# a co-signature by some other key does not stand in for the operator
expect_exit 0 "$FWUP" sign "$T/author.suit" -k "$VECTORS/keys/key-b-priv.pem" -o "$T/author-b.suit"
expect_exit 1 "$FWUP" verify "$T/author-b.suit" "${ROLES[@]}"
expect_err "required role 'operator'"

done_testing
