#!/bin/bash
# fwup sign with every algorithm, each result checked by an INDEPENDENT
# implementation (cose_check.py: cbor2 + cryptography) with the public key.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
CHECK="$(dirname "$0")/cose_check.py"
IN="$VECTORS/draft37/example0-unsigned.suit"

check() { # check ENVELOPE ARGS... : the independent verifier must accept
    checks=$((checks + 1))
    "$PY" "$CHECK" "$@" >"$T/py" 2>&1 || { fail "cose_check $*: $(cat "$T/py")"; }
}
check_fails() {
    checks=$((checks + 1))
    "$PY" "$CHECK" "$@" >"$T/py" 2>&1 && fail "cose_check accepted $*"
}

# key type -> algorithms it can make (the default first)
for spec in "ES256:-9 -7" "ES384:-51 -35" "Ed25519:-19 -8"; do
    kt=${spec%%:*}
    algs=${spec#*:}
    expect_exit 0 "$FWUP" keygen -a "$kt" -o "$T/$kt.pem"
    kid=$(cat "$T/out")
    first=1
    for alg in $algs; do
        if [ $first = 1 ]; then
            expect_exit 0 "$FWUP" sign "$IN" -k "$T/$kt.pem" -o "$T/$kt$alg.suit"
            first=0
        else
            expect_exit 0 "$FWUP" sign "$IN" -k "$T/$kt.pem" --alg "$alg" -o "$T/$kt$alg.suit"
        fi
        # alg in the protected header, kid = the thumbprint keygen printed
        check "$T/$kt$alg.suit" --pub "$T/$kt.pub.pem" --alg "$alg" --kid "$kid"
        # forgery case: the same check with another key must fail
        check_fails "$T/$kt$alg.suit" --pub "$VECTORS/keys/key-b-pub.pem"
    done
done

# names are accepted too
expect_exit 0 "$FWUP" sign "$IN" -k "$VECTORS/keys/key-a-priv.pem" --alg ES256 -o "$T/a7.suit"
check "$T/a7.suit" --pub "$VECTORS/keys/key-a-pub.pem" --alg -7 \
    --kid ca9e35f23b2b525fb4fc83f512b0dcac4ac29e457e873a5d6a7313f71690b33c

# an explicit kid
expect_exit 0 "$FWUP" sign "$IN" -k "$VECTORS/keys/key-b-priv.pem" --kid 0102abcd -o "$T/kid.suit"
check "$T/kid.suit" --pub "$VECTORS/keys/key-b-pub.pem" --kid 0102abcd

# HMAC 256/256 -> COSE_Mac0, no kid unless asked
expect_exit 0 "$FWUP" sign "$IN" --hmac-key "$VECTORS/keys/hmac256-secret.bin" -o "$T/mac.suit"
check "$T/mac.suit" --hmac "$VECTORS/keys/hmac256-secret.bin" --alg 5 --no-kid
printf 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' > "$T/other.bin"
check_fails "$T/mac.suit" --hmac "$T/other.bin"
# ... and via the hmac: key specification
expect_exit 0 "$FWUP" sign "$IN" -k "hmac:$VECTORS/keys/hmac256-secret.bin" --kid 6b6964 -o "$T/mac2.suit"
check "$T/mac2.suit" --hmac "$VECTORS/keys/hmac256-secret.bin" --kid 6b6964

# signing in place works (read first, atomic rename)
cp "$IN" "$T/inplace.suit"
expect_exit 0 "$FWUP" sign "$T/inplace.suit" -k "$VECTORS/keys/key-a-priv.pem" -o "$T/inplace.suit"
check "$T/inplace.suit" --pub "$VECTORS/keys/key-a-pub.pem"

# help
expect_exit 0 "$FWUP" sign --help
expect_out '^usage: fwup sign'
expect_exit 0 "$FWUP" help sign
expect_out '--tbs-out'

done_testing
