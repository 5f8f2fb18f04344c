#!/bin/bash
# exec: signers (KMS bridge): a shell script using openssl signs; failures and
# malformed output are clear FWUP_E_EXTERNAL_SIGNER errors (exit 5), no file.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
CHECK="$(dirname "$0")/cose_check.py"
IN="$VECTORS/draft37/example0-unsigned.suit"
KEYA="$VECTORS/keys/key-a-priv.pem"
PUBA="$VECTORS/keys/key-a-pub.pem"

# A stand-in for a KMS client: to-be-signed bytes on stdin, DER on stdout.
cat > "$T/kms-sign.sh" <<EOS
#!/bin/sh
exec openssl dgst -sha256 -sign "$KEYA"
EOS
chmod +x "$T/kms-sign.sh"
expect_exit 0 "$FWUP" sign "$IN" -k "exec:$T/kms-sign.sh" --pub "$PUBA" -o "$T/a.suit"
checks=$((checks + 1))
"$PY" "$CHECK" "$T/a.suit" --pub "$PUBA" --alg -9 \
    --kid ca9e35f23b2b525fb4fc83f512b0dcac4ac29e457e873a5d6a7313f71690b33c >/dev/null 2>&1 \
    || fail "exec: signature does not verify independently"

# Ed25519 through pkeyutl -rawin (a one-shot signature needs a file, not a pipe)
expect_exit 0 "$FWUP" keygen -a Ed25519 -o "$T/ed.pem"
expect_exit 0 "$FWUP" sign "$IN" -k "exec:cat > '$T/tbs' && openssl pkeyutl -sign -rawin -inkey '$T/ed.pem' -in '$T/tbs'" \
    --pub "$T/ed.pub.pem" -o "$T/ed.suit"
checks=$((checks + 1))
"$PY" "$CHECK" "$T/ed.suit" --pub "$T/ed.pub.pem" --alg -19 >/dev/null 2>&1 || fail "exec: Ed25519"

# The command fails (non-zero exit)
expect_exit 5 "$FWUP" sign "$IN" -k "exec:cat >/dev/null; echo 'kms: access denied' >&2; exit 7" --pub "$PUBA" -o "$T/x.suit"
expect_err "^fwup: error: '$IN': external signer exited with status 7 \[FWUP_E_EXTERNAL_SIGNER\]$"
expect_err "kms: access denied"    # the command's own stderr is passed through
expect_no_file "$T/x.suit"
# The command is missing
expect_exit 5 "$FWUP" sign "$IN" -k "exec:/nonexistent/kms-client" --pub "$PUBA" -o "$T/x.suit"
expect_err "status 127"
expect_no_file "$T/x.suit"
# Malformed output: text instead of a signature
expect_exit 5 "$FWUP" sign "$IN" -k "exec:cat >/dev/null; echo not-a-signature" --pub "$PUBA" -o "$T/x.suit"
expect_err "external signer output \([0-9]+ bytes\) is not a raw r\|\|s or DER ECDSA signature"
expect_no_file "$T/x.suit"
# A valid signature by another key than --pub
expect_exit 5 "$FWUP" sign "$IN" -k "exec:openssl dgst -sha256 -sign '$VECTORS/keys/key-b-priv.pem'" --pub "$PUBA" -o "$T/x.suit"
expect_err "does not verify with the public key"
expect_no_file "$T/x.suit"
# A hung command is killed at --exec-timeout
expect_exit 5 "$FWUP" sign "$IN" -k "exec:sleep 30" --pub "$PUBA" --exec-timeout 1 -o "$T/x.suit"
expect_err "timed out after 1 s"
expect_no_file "$T/x.suit"
# exec: without --pub is a usage-level refusal from the library (exit 2)
expect_exit 2 "$FWUP" sign "$IN" -k "exec:$T/kms-sign.sh" -o "$T/x.suit"
expect_err "needs its public key \(--pub PUB.pem\)"
expect_no_file "$T/x.suit"

done_testing
