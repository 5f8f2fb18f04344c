#!/bin/bash
# Usage errors (2), I/O (4), malformed input and key files (3), --help (0).
. "$(dirname "$0")/../lib.sh"
K=$VECTORS/keys
E0=$VECTORS/draft37/example0.suit

expect_exit 0 "$FWUP" verify --help
expect_out "^usage: fwup verify ENVELOPE"
expect_exit 0 "$FWUP" help verify
expect_out "^usage: fwup verify"
expect_exit 2 "$FWUP" verify
expect_err "try 'fwup verify --help'"
expect_exit 2 "$FWUP" verify "$E0"
expect_err "no trust anchor"
expect_exit 2 "$FWUP" verify "$E0" "$E0" -t "$K/key-a-pub.pem"
expect_exit 2 "$FWUP" verify "$E0" -t "$K/key-a-pub.pem" --bogus
expect_err "unknown option '--bogus'"
expect_exit 2 "$FWUP" verify "$E0" -t "$K/key-a-pub.pem" --min-signers x
expect_exit 2 "$FWUP" verify "$E0" -t "$K/key-a-pub.pem" --require operator
expect_err "required role 'operator' has no trust anchor"
expect_exit 2 "$FWUP" verify "$E0" -t "$K/key-a-pub.pem" --payload x=y
expect_exit 2 "$FWUP" verify "$E0" -t
expect_err "needs an argument"
expect_exit 4 "$FWUP" verify "$T/nope.suit" -t "$K/key-a-pub.pem"
expect_err "nope.suit'.*\[FWUP_E_IO_OPEN\]"
expect_exit 4 "$FWUP" verify "$E0" -t "$T/nope.pem"
expect_err "nope.pem'.*\[FWUP_E_IO_OPEN\]"
expect_exit 3 "$FWUP" verify "$E0" -t "$E0"
expect_err "\[FWUP_E_KEY_FORMAT\]"
# malformed envelopes: truncated, trailing byte, not CBOR
head -c 100 "$E0" >"$T/trunc.suit"
expect_exit 3 "$FWUP" verify "$T/trunc.suit" -t "$K/key-a-pub.pem"
expect_err "trunc.suit':[0-9]+: .*\[FWUP_E_CBOR_TRUNCATED\]"
{ cat "$E0"; printf '\0'; } >"$T/trail.suit"
expect_exit 3 "$FWUP" verify "$T/trail.suit" -t "$K/key-a-pub.pem"
expect_err "trail.suit':237: .*\[FWUP_E_CBOR_TRAILING\]"
# forgery: the sequence number rewritten (0 -> 1) in a copy of a signed envelope
python3 - "$E0" "$T/forged.suit" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read()); b[128] = 0x01
open(sys.argv[2], "wb").write(b)
PY
expect_exit 1 "$FWUP" verify "$T/forged.suit" -t "$K/key-a-pub.pem"
expect_err "\[FWUP_E_MANIFEST_DIGEST\]"
# forgery: a byte of the signature flipped
python3 - "$E0" "$T/forged2.suit" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read()); b[100] ^= 0x40
open(sys.argv[2], "wb").write(b)
PY
expect_exit 1 "$FWUP" verify "$T/forged2.suit" -t "$K/key-a-pub.pem"
expect_err "\[FWUP_E_SIG_VERIFY\]"
# no files written
[ -z "$(ls "$T" | grep -v -e suit -e '^out$' -e '^err$')" ] || fail "verify wrote files"
done_testing
