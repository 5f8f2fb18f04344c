#!/bin/bash
# Detached signing: --tbs-out exports the exact Sig_structure, openssl signs
# it (as an HSM/offline machine would), --attach verifies and appends it.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
CHECK="$(dirname "$0")/cose_check.py"
IN="$VECTORS/draft37/example0-unsigned.suit"

# --- ECDSA P-256 with KEY-A: openssl pkeyutl over the SHA-256 digest -> DER
expect_exit 0 "$FWUP" sign "$IN" --tbs-out "$T/tbs.bin" --pub "$VECTORS/keys/key-a-pub.pem"
# stdout is "<sha256>  <file>", the same as sha256sum
checks=$((checks + 1))
[ "$(cat "$T/out")" = "$(sha256sum "$T/tbs.bin")" ] || fail "printed digest differs: $(cat "$T/out")"
# the exported bytes are the 55-byte Sig_structure of FACTS.md with alg -9 (0x28)
checks=$((checks + 1))
[ "$(head -c 19 "$T/tbs.bin" | od -An -tx1 | tr -d ' \n')" = "846a5369676e61747572653143a10128405824" ] \
    || fail "unexpected Sig_structure head"
openssl dgst -sha256 -binary "$T/tbs.bin" > "$T/tbs.sha256"
openssl pkeyutl -sign -inkey "$VECTORS/keys/key-a-priv.pem" -in "$T/tbs.sha256" -out "$T/sig.der"
expect_exit 0 "$FWUP" sign "$IN" --attach "$T/sig.der" --pub "$VECTORS/keys/key-a-pub.pem" -o "$T/a.suit"
checks=$((checks + 1))
"$PY" "$CHECK" "$T/a.suit" --pub "$VECTORS/keys/key-a-pub.pem" --alg -9 \
    --kid ca9e35f23b2b525fb4fc83f512b0dcac4ac29e457e873a5d6a7313f71690b33c >/dev/null 2>&1 \
    || fail "attached DER signature does not verify independently"

# the same signature as raw r||s (what a PKCS#11 token returns) with --sig-format raw
"$PY" -c '
import sys
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
r, s = decode_dss_signature(open(sys.argv[1], "rb").read())
open(sys.argv[2], "wb").write(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
' "$T/sig.der" "$T/sig.raw"
expect_exit 0 "$FWUP" sign "$IN" --attach "$T/sig.raw" --sig-format raw --pub "$VECTORS/keys/key-a-pub.pem" -o "$T/a2.suit"
checks=$((checks + 1))
"$PY" "$CHECK" "$T/a2.suit" --pub "$VECTORS/keys/key-a-pub.pem" >/dev/null 2>&1 || fail "raw attach"
# the DER file declared as raw is refused: exit 3, nothing written
expect_exit 3 "$FWUP" sign "$IN" --attach "$T/sig.der" --sig-format raw --pub "$VECTORS/keys/key-a-pub.pem" -o "$T/x.suit"
expect_err "\[FWUP_E_COSE_STRUCTURE\]"
expect_no_file "$T/x.suit"

# --- a signature that does not verify: wrong key, exit 1, no file
expect_exit 1 "$FWUP" sign "$IN" --attach "$T/sig.der" --pub "$VECTORS/keys/key-b-pub.pem" -o "$T/x.suit"
expect_err "^fwup: error: '$T/sig.der': signature does not verify .*\[FWUP_E_SIG_VERIFY\]$"
expect_no_file "$T/x.suit"
# ... or made over another envelope's bytes
expect_exit 1 "$FWUP" sign "$VECTORS/draft37/example1-unsigned.suit" --attach "$T/sig.der" --pub "$VECTORS/keys/key-a-pub.pem" -o "$T/x.suit"
expect_no_file "$T/x.suit"
# ... or with a different --alg than the one signed (ES256 header vs ESP256)
expect_exit 1 "$FWUP" sign "$IN" --attach "$T/sig.der" --alg ES256 --pub "$VECTORS/keys/key-a-pub.pem" -o "$T/x.suit"
expect_no_file "$T/x.suit"
# attaching twice: already signed by this key (exit 5)
expect_exit 5 "$FWUP" sign "$T/a.suit" --attach "$T/sig.der" --pub "$VECTORS/keys/key-a-pub.pem" -o "$T/x.suit"
expect_err "\[FWUP_E_ALREADY_SIGNED\]"
expect_no_file "$T/x.suit"

# --- ES384 with --alg only (no key at export time)
expect_exit 0 "$FWUP" keygen -a ES384 -o "$T/p384.pem"
expect_exit 0 "$FWUP" sign "$IN" --tbs-out "$T/tbs384.bin" --alg ESP384
openssl dgst -sha384 -binary "$T/tbs384.bin" > "$T/tbs384.dgst"
openssl pkeyutl -sign -inkey "$T/p384.pem" -in "$T/tbs384.dgst" -out "$T/sig384.der"
expect_exit 0 "$FWUP" sign "$IN" --attach "$T/sig384.der" --pub "$T/p384.pub.pem" -o "$T/b.suit"
checks=$((checks + 1))
"$PY" "$CHECK" "$T/b.suit" --pub "$T/p384.pub.pem" --alg -51 >/dev/null 2>&1 || fail "ES384 detached"
# --alg and --pub that disagree are refused at export already (exit 5)
expect_exit 5 "$FWUP" sign "$IN" --tbs-out "$T/bad.bin" --alg ESP256 --pub "$T/p384.pub.pem"
expect_err "\[FWUP_E_KEY_ALG_MISMATCH\]"
expect_no_file "$T/bad.bin"

# --- Ed25519: openssl pkeyutl -rawin signs the whole message
expect_exit 0 "$FWUP" keygen -a Ed25519 -o "$T/ed.pem"
expect_exit 0 "$FWUP" sign "$IN" --tbs-out "$T/tbsed.bin" -k "$T/ed.pem"
openssl pkeyutl -sign -rawin -inkey "$T/ed.pem" -in "$T/tbsed.bin" -out "$T/siged.bin"
expect_exit 0 "$FWUP" sign "$IN" --attach "$T/siged.bin" --pub "$T/ed.pub.pem" -o "$T/c.suit"
checks=$((checks + 1))
"$PY" "$CHECK" "$T/c.suit" --pub "$T/ed.pub.pem" --alg -19 >/dev/null 2>&1 || fail "Ed25519 detached"
# Ed25519 is deterministic: fwup's own signature is byte-identical to openssl's
expect_exit 0 "$FWUP" sign "$IN" -k "$T/ed.pem" -o "$T/c2.suit"
expect_same "$T/c.suit" "$T/c2.suit"

# --- the digest is checked before exporting: nothing to sign for a tampered manifest
expect_exit 1 "$FWUP" sign "$VECTORS/negative/example0-manifest-tampered.suit" --tbs-out "$T/t.bin" --alg ESP256
expect_err "\[FWUP_E_MANIFEST_DIGEST\]"
expect_no_file "$T/t.bin"

# --- usage
expect_exit 2 "$FWUP" sign "$IN" --tbs-out "$T/t.bin"
expect_err 'needs --alg, --pub or -k'
expect_exit 2 "$FWUP" sign "$IN" --attach "$T/sig.der" -o "$T/x.suit"
expect_err 'needs --pub'
expect_exit 2 "$FWUP" sign "$IN" --attach "$T/sig.der" --pub "$VECTORS/keys/key-a-pub.pem" -o "$T/x.suit" --sig-format pem
expect_no_file "$T/x.suit"

done_testing
