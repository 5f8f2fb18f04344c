#!/bin/bash
# Encrypted payloads end to end (draft-ietf-suit-firmware-encryption-24):
# `fwup encrypt` + `fwup create` + `fwup sign` make a release whose payload is
# ciphertext; fwup-sim decrypts it while writing the inactive slot, with a
# provisioned KEK (A128KW) or device key (ECDH-ES+A128KW), and boots it. A
# device with the wrong key or none refuses before touching the flash; a
# tampered ciphertext fails (GCM tag / CTR image digest) and the active
# image still boots. Then the draft's own "-content" examples install on
# devices provisioned without identity checks.
. "$SIMTESTS/../cli/lib.sh"
. "$SIMTESTS/simlib.sh"
KEK=$KEYS/a128kw-kek.bin
DEVKEY=$KEYS/ecdh-device-p256.pem
DEVPUB=$SRCDIR/tests/cli/encrypt/device-p256-pub.pem
head -c 16 /dev/urandom > "$T/other-kek.bin"

sign2() { # sign2 IN OUT: author + operator, as the policy requires
    "$FWUP" sign "$1" -k "$KEYS/key-a-priv.pem" -o "$T/a.suit" >/dev/null 2>&1 &&
        "$FWUP" sign "$T/a.suit" -k "$KEYS/key-b-priv.pem" -o "$2" >/dev/null 2>&1 ||
        { echo "sign failed" >&2; exit 1; }
}
# release NAME SEQ ALG SOURCE: encrypt fw2.bin for the KEK and the device key,
# describe it (SOURCE: integrated or uri), create and sign $T/NAME.suit.
release() {
    name=$1 seq=$2 alg=$3 src=$4
    "$FWUP" encrypt "$P/fw2.bin" -o "$P/$name.enc" --info-out "$T/$name.info" --alg "$alg" \
        --kek "$KEK" --kid sim-kek --recipient "sim-dev=$DEVPUB" 2>/dev/null ||
        { echo "encrypt failed" >&2; exit 1; }
    if [ "$src" = integrated ]; then where='"integrated": "#fw"'
    else where="\"uri\": \"https://updates.example.com/$name.enc\""; fi
    cat > "$T/$name.json" <<JSON
{ "sequence-number": $seq,
  "identity": { "vendor-domain": "example.com", "model": "sim-board" },
  "components": [ { "id": [{"hex": "00"}], "invoke": true,
      "image": { "file": "$P/fw2.bin" }, $where,
      "encryption": { "info": "$T/$name.info", "ciphertext": "$P/$name.enc" } } ] }
JSON
    "$FWUP" create "$T/$name.json" -o "$T/$name-u.suit" || { echo "create $name failed" >&2; exit 1; }
    sign2 "$T/$name-u.suit" "$T/$name.suit"
}
release gcm 2 A128GCM integrated
release ctr 2 A128CTR uri
release gcmuri 2 A128GCM uri

# The manifest carries encryption-info (19) with the fetch, and the envelope
# the ciphertext: never the plaintext.
expect_exit 0 "$FWUP" show "$T/gcm.suit"
expect_out 'encryption-info'
checks=$((checks + 1))
python3 - "$T/gcm.suit" "$P/fw2.bin" "$P/gcm.enc" <<'PY' || fail "envelope does not embed the ciphertext"
import sys
env, pt, ct = (open(p, "rb").read() for p in sys.argv[1:4])
sys.exit(0 if ct in env and pt[:64] not in env else 1)
PY

installs_and_boots() { # DEV ENVELOPE [install options]
    dev=$1 env=$2; shift 2
    expect_exit 0 "$FWUP_SIM" install "$dev" "$env" "$@" || return
    boot_json "$dev"
    checks=$((checks + 1))
    [ "$BOOT_RC" = 0 ] && [ "$BOOT_SEQ" = 2 ] && [ "$BOOT_OUTCOME" = trial-confirmed ] ||
        fail "$env on $dev: boot rc $BOOT_RC seq $BOOT_SEQ $BOOT_OUTCOME"
}
refuses_untouched() { # DEV ENVELOPE EXIT PATTERN [install options]: flash byte-identical, v1 boots
    dev=$1 env=$2 code=$3 pat=$4; shift 4
    cp "$dev/flash.bin" "$T/before.bin"
    expect_exit "$code" "$FWUP_SIM" install "$dev" "$env" "$@"
    expect_err "$pat"
    expect_same "$dev/flash.bin" "$T/before.bin"
    boot_json "$dev"
    checks=$((checks + 1))
    [ "$BOOT_RC" = 0 ] && [ "$BOOT_SEQ" = 1 ] || fail "$dev: v1 does not boot after a refused install"
}
fails_v1_boots() { # DEV ENVELOPE EXIT PATTERN [install options]: target not committed, v1 boots
    dev=$1 env=$2 code=$3 pat=$4; shift 4
    expect_exit "$code" "$FWUP_SIM" install "$dev" "$env" "$@"
    expect_err "$pat"
    checks=$((checks + 1))
    [ "$("$FWUP_SIM" status "$dev" --json | jq -r '.slots[1].state')" = empty ] ||
        fail "$dev: the slot whose decryption failed is not empty"
    boot_json "$dev"
    checks=$((checks + 1))
    [ "$BOOT_RC" = 0 ] && [ "$BOOT_SEQ" = 1 ] && [ "$BOOT_OUTCOME" = confirmed ] ||
        fail "$dev: v1 does not boot after a failed decryption"
}
with_v1() { # with_v1 DIR [init options]: a device running plaintext v1
    new_device "$@"
    sim install "$1" "$T/v1.suit" --payloads "$P" && sim boot "$1" ||
        { echo "v1 setup failed: $(cat "$T/err")" >&2; exit 1; }
}

# 1. A128KW device: integrated GCM, fetched CTR and GCM.
for e in gcm ctr gcmuri; do
    with_v1 "$T/kek-$e" --kek "$KEK"
    installs_and_boots "$T/kek-$e" "$T/$e.suit" --payloads "$P"
done
checks=$((checks + 1))
[ "$(stat -c %a "$T/kek-gcm/keys/decrypt-kek.bin")" = 600 ] || fail "provisioned KEK is not 0600"
# 2. ECDH-ES device key.
for e in gcm ctr; do
    with_v1 "$T/ec-$e" --device-key "$DEVKEY"
    installs_and_boots "$T/ec-$e" "$T/$e.suit" --payloads "$P"
done
# 3. Wrong KEK, no key, wrong kind of key: refused, flash untouched.
with_v1 "$T/wrong" --kek "$T/other-kek.bin"
refuses_untouched "$T/wrong" "$T/gcm.suit" 5 "no recipient's CEK unwraps .*FWUP_E_DECRYPT"
with_v1 "$T/nokey"
refuses_untouched "$T/nokey" "$T/gcm.suit" 5 "no decryption key.*FWUP_E_DECRYPT"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/other-dev.pem" 2>/dev/null
with_v1 "$T/wrongdev" --device-key "$T/other-dev.pem"
refuses_untouched "$T/wrongdev" "$T/ctr.suit" 5 "FWUP_E_DECRYPT" --payloads "$P"
# 4. Tampered ciphertext (the fetched file): GCM tag fails; CTR decrypts to a
#    wrong image that image-match rejects. Neither slot is committed.
cp "$P/gcmuri.enc" "$T/gcmuri.orig"
python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[5000]^=1; open(sys.argv[1],'wb').write(b)" "$P/gcmuri.enc"
with_v1 "$T/tamper-gcm" --kek "$KEK"
fails_v1_boots "$T/tamper-gcm" "$T/gcmuri.suit" 5 "authentication tag does not verify" --payloads "$P"
cp "$T/gcmuri.orig" "$P/gcmuri.enc"
python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[-1]^=1; open(sys.argv[1],'wb').write(b)" "$P/gcmuri.enc"
with_v1 "$T/tamper-tag" --device-key "$DEVKEY"
fails_v1_boots "$T/tamper-tag" "$T/gcmuri.suit" 5 "FWUP_E_DECRYPT" --payloads "$P"
python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[100]^=1; open(sys.argv[1],'wb').write(b)" "$P/ctr.enc"
with_v1 "$T/tamper-ctr" --kek "$KEK"
fails_v1_boots "$T/tamper-ctr" "$T/ctr.suit" 1 "FWUP_E_CONDITION_FAILED" --payloads "$P"
# 5. A power cut during the decrypting install leaves v1 bootable, and the
#    install completes when repeated.
with_v1 "$T/cut" --kek "$KEK"
expect_exit 75 "$FWUP_SIM" install "$T/cut" "$T/gcm.suit" --power-cut-after 20
boot_json "$T/cut"; checks=$((checks + 1)); [ "$BOOT_SEQ" = 1 ] || fail "cut: v1 does not boot"
installs_and_boots "$T/cut" "$T/gcm.suit"
# 6. init refuses a bad key file before creating anything.
expect_exit 3 "$FWUP_SIM" init "$T/badkey" --layout "$T/layout.json" --policy "$T/policy.json" \
    --vendor-domain example.com --model sim-board --kek "$KEYS/hmac256-secret.bin"
expect_exit 3 "$FWUP_SIM" init "$T/badkey" --layout "$T/layout.json" --policy "$T/policy.json" \
    --vendor-domain example.com --model sim-board --device-key "$DEVPUB"
expect_err "PRIVATE"
checks=$((checks + 1)); [ ! -e "$T/badkey" ] || fail "init left a directory behind"
expect_exit 2 "$FWUP_SIM" init "$T/badkey" --layout "$T/layout.json" --policy "$T/policy.json" \
    --vendor-domain example.com --model sim-board --kek "$KEK" --device-key "$DEVKEY"

# 7. The draft's encryption examples that write params[content]: no vendor or
#    class checks, so only a device provisioned with --no-identity-checks
#    takes them (a normal one refuses: FWUP_E_SUIT_MISSING).
draft_device() { # DIR COMPONENT POLICY-ANCHOR [init options]
    d=$1 comp=$2 anchor=$3; shift 3
    jq --arg c "$comp" '.component = [$c]' "$T/layout.json" > "$d.layout.json"
    cat > "$d.policy.json" <<JSON
{ "anchors": [ $anchor ], "require": ["author"], "min_signers": 1, "strict": false }
JSON
    "$FWUP_SIM" init "$d" --layout "$d.layout.json" --policy "$d.policy.json" \
        --vendor-domain example.com --model sim-board "$@" >/dev/null ||
        { echo "init $d failed" >&2; exit 1; }
}
ENC=$VECTORS/encryption
draft_device "$T/d-ecdh" decrypted-firmware "{\"role\": \"author\", \"key\": \"$KEYS/key-a-pub.pem\"}" \
    --device-key "$DEVKEY" --no-identity-checks
expect_exit 0 "$FWUP_SIM" install "$T/d-ecdh" "$ENC/suit-manifest-es-ecdh-content.suit" --json
checks=$((checks + 1))
[ "$(jq -r .image_size "$T/out")" = 30 ] || fail "es-ecdh-content: image size $(jq -r .image_size "$T/out")"
draft_device "$T/d-kw" plaintext-firmware "{\"role\": \"author\", \"hmac\": \"$KEYS/hmac256-secret.bin\"}" \
    --kek "$KEK" --no-identity-checks
expect_exit 0 "$FWUP_SIM" install "$T/d-kw" "$ENC/suit-manifest-aes-kw-content.suit" --json
checks=$((checks + 1))
[ "$(jq -r .image_size "$T/out")" = 30 ] || fail "aes-kw-content: image size"
# The plaintext is in slot A of the flash (offset 16384 in the test layout).
checks=$((checks + 1))
[ "$(dd if="$T/d-kw/flash.bin" bs=1 skip=16384 count=30 2>/dev/null)" = "This is a real firmware image." ] ||
    fail "aes-kw-content: slot A does not hold the decrypted image"
draft_device "$T/d-strict" plaintext-firmware "{\"role\": \"author\", \"hmac\": \"$KEYS/hmac256-secret.bin\"}" \
    --kek "$KEK"
expect_exit 3 "$FWUP_SIM" install "$T/d-strict" "$ENC/suit-manifest-aes-kw-content.suit"
expect_err "FWUP_E_SUIT_MISSING"
draft_device "$T/d-wrong" plaintext-firmware "{\"role\": \"author\", \"hmac\": \"$KEYS/hmac256-secret.bin\"}" \
    --kek "$T/other-kek.bin" --no-identity-checks
expect_exit 5 "$FWUP_SIM" install "$T/d-wrong" "$ENC/suit-manifest-aes-kw-content.suit"
expect_err "FWUP_E_DECRYPT"
done_testing
