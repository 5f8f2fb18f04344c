#!/bin/bash
# Encrypted PEM keys: passphrase from a file (never argv); a wrong or missing
# passphrase is a key failure (exit 5) and writes nothing.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
CHECK="$(dirname "$0")/cose_check.py"
IN="$VECTORS/draft37/example0-unsigned.suit"

printf 'correct horse battery staple\n' > "$T/pass"
printf 'wrong\n' > "$T/wrong"
: > "$T/empty"
# an encrypted key made by openssl (PKCS#8, the usual form)
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes-256-cbc \
    -pass file:"$T/pass" -out "$T/enc.pem" 2>/dev/null
openssl pkey -in "$T/enc.pem" -passin file:"$T/pass" -pubout -out "$T/enc.pub.pem" 2>/dev/null

expect_exit 0 "$FWUP" sign "$IN" -k "$T/enc.pem" --passphrase-file "$T/pass" -o "$T/a.suit"
checks=$((checks + 1))
"$PY" "$CHECK" "$T/a.suit" --pub "$T/enc.pub.pem" >/dev/null 2>&1 || fail "signature with encrypted key"

expect_exit 5 "$FWUP" sign "$IN" -k "$T/enc.pem" --passphrase-file "$T/wrong" -o "$T/x.suit"
expect_err "^fwup: error: '$T/enc.pem': cannot decrypt the key: wrong passphrase \[FWUP_E_KEY_PASSPHRASE\]$"
expect_no_file "$T/x.suit"
# no passphrase and no terminal: fails instead of hanging on a prompt
expect_exit 5 "$FWUP" sign "$IN" -k "$T/enc.pem" -o "$T/x.suit" </dev/null
expect_err "no passphrase was given \(use --passphrase-file\)"
expect_no_file "$T/x.suit"
expect_exit 5 "$FWUP" sign "$IN" -k "$T/enc.pem" --passphrase-file "$T/empty" -o "$T/x.suit"
expect_err "passphrase is empty"
expect_no_file "$T/x.suit"
expect_exit 4 "$FWUP" sign "$IN" -k "$T/enc.pem" --passphrase-file "$T/nofile" -o "$T/x.suit"
expect_no_file "$T/x.suit"
# pubkey works on the encrypted key with the passphrase file
expect_exit 0 "$FWUP" pubkey "$T/enc.pem" --passphrase-file "$T/pass"
expect_same "$T/out" "$T/enc.pub.pem"
expect_exit 0 "$FWUP" pubkey "$T/enc.pem" --passphrase-file "$T/pass" --kid
expect_out '^[0-9a-f]{64}$'
# ... and on a public key file, to a file
expect_exit 0 "$FWUP" pubkey "$VECTORS/keys/key-a-priv.pem" -o "$T/a.pub.pem"
expect_same "$T/a.pub.pem" "$VECTORS/keys/key-a-pub.pem"
expect_exit 0 "$FWUP" pubkey "$VECTORS/keys/key-b-pub.pem" --kid
expect_out '^c770ec535d8c949586324adaf2ddffb76b1a852dfa52e19c80f7440ec163beea$'
expect_exit 3 "$FWUP" pubkey "$IN"
expect_exit 2 "$FWUP" pubkey
expect_exit 0 "$FWUP" pubkey --help
expect_out '^usage: fwup pubkey'

done_testing
