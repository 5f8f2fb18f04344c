#!/bin/bash
# Staging partition and decrypting COPY (draft-ietf-suit-firmware-encryption
# §4): the ciphertext is fetched into a staging component and decrypted while
# copied into the image component (the inactive slot).
#  1. The draft's suit-manifest-aes-kw.suit and -aes-kw-slot.suit (COSE_Mac0,
#     A128KW + A128GCM, no vendor/class checks, no validate / invoke) install
#     on a device with the bundled staging layout: the slot holds the
#     30-byte plaintext. They carry no invoke sequence (and no image digest),
#     so the bootloader refuses to boot them (FWUP_E_SUIT_MISSING).
#  2. Wrong KEK, no KEK, tampered ciphertext, tampered tag, missing payload:
#     each refused with its documented exit status and error, nothing
#     committed, a SUIT report recorded.
#  3. The same flow in a bootable manifest (mkenv.py --staging: plus
#     image-match, validate, invoke) over a running v1: the device boots the
#     decrypted "This is a real firmware image."; the negatives of 2 leave
#     the active slot byte-identical and v1 booting.
#  4. Exhaustive power cut over the staging install of a 14000-byte image,
#     and wear: every staging / slot sector erased once per install, nothing
#     outside the target slot, the staging area and the state log.
#  5. A128CTR with the ciphertext's digest checked in staging before the
#     copy: a tampered ciphertext never reaches the slot.
. "$SIMTESTS/../cli/lib.sh"
. "$SIMTESTS/simlib.sh"
ENC=$VECTORS/encryption
KEK=$KEYS/a128kw-kek.bin
PLAIN='This is a real firmware image.'
printf 'not-the-real-kek' >"$T/other-kek.bin"
hex() { printf %s "$1" | od -An -tx1 | tr -d ' \n'; }

# The bundled staging layout, with the component names of each vector. The
# -slot variant's [h'00'] / [h'01'] are component NAMES here: [h'00'] the
# image (always the inactive slot), [h'01'] the staging area; they never
# address slot A / slot B directly (docs/device-sim.md, "Staging").
EX=$SRCDIR/device-sim/example/layout-staging.json
jq '.component = ["plaintext-firmware"] | .partitions.staging.component = ["encrypted-firmware"]' \
    "$EX" >"$T/lay-names.json"
jq '.component = [{"hex": "00"}] | .partitions.staging.component = [{"hex": "01"}]' \
    "$EX" >"$T/lay-slot.json"
SA=$(jq .partitions.slot_a.offset "$EX") SB=$(jq .partitions.slot_b.offset "$EX")
SLOT=$(jq .partitions.slot_a.size "$EX") SECTOR=$(jq .flash.sector_size "$EX")
STG=$(jq .partitions.staging.offset "$EX") STGSIZE=$(jq .partitions.staging.size "$EX")
PT=$(hex plaintext-firmware) ST=$(hex encrypted-firmware)

# The draft's MAC key as an author anchor; KEY-A too, for the bootable
# manifests of sections 3-4.
cat >"$T/kw-policy.json" <<JSON
{ "anchors": [ {"role": "author", "hmac": "$KEYS/hmac256-secret.bin"},
               {"role": "author", "key": "$KEYS/key-a-pub.pem"} ],
  "require": ["author"], "min_signers": 1, "strict": false }
JSON
# Payload directories: the URI's last segment names the file.
D=$T/draft-pl
mkdir -p "$D" "$T/none"
cp "$ENC/encrypted-payload-aes-kw-aes-gcm.bin" "$D/encrypted-firmware"
flip() { # flip SRC-DIR DST-DIR OFFSET: a copy of the payload with one byte changed
    mkdir -p "$2"
    python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[int(sys.argv[3])]^=1; open(sys.argv[2],'wb').write(b)" \
        "$1/encrypted-firmware" "$2/encrypted-firmware" "$3"
}
flip "$D" "$T/ct-pl" 5    # ciphertext
flip "$D" "$T/tag-pl" -1  # last byte: the GCM tag

# What the SUIT report names as the failed command.
COPY_DEC='failed at +install \+[0-9]+ directive-copy, component 0: FWUP_E_DECRYPT'
FETCH_FAIL='failed at +install \+[0-9]+ directive-fetch, component 1: FWUP_E_FETCH'
kw_device() { # DIR LAYOUT [init options]
    d=$1 lay=$2; shift 2
    "$FWUP_SIM" init "$d" --layout "$lay" --policy "$T/kw-policy.json" \
        --vendor-domain example.com --model sim-board "$@" >/dev/null ||
        { echo "init $d failed" >&2; exit 1; }
}
part() { dd if="$1/flash.bin" bs="$SECTOR" skip=$(($2 / SECTOR)) count=$(($3 / SECTOR)) status=none; }
head_of() { dd if="$1/flash.bin" bs=1 skip="$2" count="$3" status=none; }
slot_state() { "$FWUP_SIM" status "$1" --json | jq -r ".slots[$2].state"; }
# reported DEV PATTERN: the newest SUIT report of DEV gives the reason
reported() {
    checks=$((checks + 1))
    "$FWUP_SIM" report "$1" -o "$T/rep.cbor" >/dev/null 2>&1 &&
        "$FWUP" report show "$T/rep.cbor" >"$T/rep.txt" 2>&1 &&
        grep -Eq "$2" "$T/rep.txt" || fail "$1: no report with /$2/"
}

# 1. The draft's vectors.
for v in aes-kw:lay-names aes-kw-slot:lay-slot; do
    name=${v%%:*} lay=$T/${v#*:}.json dev=$T/d-$name
    kw_device "$dev" "$lay" --kek "$KEK" --no-identity-checks
    expect_exit 0 "$FWUP_SIM" install "$dev" "$ENC/suit-manifest-$name.suit" --payloads "$D" --json
    checks=$((checks + 1))
    [ "$(jq -r '[.slot, .image_size, .erases.staging, .erases.slot] | join(" ")' "$T/out")" = "A 30 1 1" ] ||
        fail "$name: install result $(jq -c '[.slot, .image_size, .erases]' "$T/out")"
    checks=$((checks + 1))
    [ "$(head_of "$dev" "$SA" 30)" = "$PLAIN" ] || fail "$name: slot A does not hold the plaintext"
    checks=$((checks + 1))
    [ "$("$FWUP_SIM" status "$dev" --json |
        jq -r '[.slots[0].state, .slots[0].image_size, .slots[1].state, .flash.erases_per_partition.staging] | join(" ")')" = "trial 30 empty 1" ] ||
        fail "$name: status after install"
    # The staging area holds the ciphertext as fetched (not the plaintext).
    expect_same <(head_of "$dev" "$STG" 46) "$D/encrypted-firmware"
    # No invoke, no image digest: the bootloader has nothing to verify the
    # image against at boot, and never boots it.
    expect_exit 1 "$FWUP_SIM" boot "$dev"
    expect_out 'skipped slot A: required SUIT element missing'
    expect_err 'FWUP_E_NO_BOOTABLE_IMAGE'
done

# 2. The draft's aes-kw, refused: exit status, one error line, nothing
# committed (a fresh device: both slots stay empty), a SUIT report.
draft_refused() { # NAME EXIT PATTERN REPORT-PATTERN PAYLOAD-DIR [init options]
    name=$1 code=$2 pat=$3 rpat=$4 pl=$5; shift 5
    dev=$T/n-$name
    kw_device "$dev" "$T/lay-names.json" --no-identity-checks "$@"
    expect_exit "$code" "$FWUP_SIM" install "$dev" "$ENC/suit-manifest-aes-kw.suit" --payloads "$pl"
    expect_err "$pat"
    checks=$((checks + 1))
    [ "$(wc -l <"$T/err")" = 1 ] || fail "$name: not one error line"
    checks=$((checks + 1))
    [ "$(slot_state "$dev" 0) $(slot_state "$dev" 1)" = "empty empty" ] ||
        fail "$name: a slot was committed"
    reported "$dev" "$rpat"
}
draft_refused wrong-kek 5 "no recipient's CEK unwraps.*\[FWUP_E_DECRYPT\]" "$COPY_DEC" "$D" --kek "$T/other-kek.bin"
draft_refused no-kek 5 "no decryption key.*\[FWUP_E_DECRYPT\]" "$COPY_DEC" "$D"
draft_refused tampered-ct 5 "authentication tag does not verify.*\[FWUP_E_DECRYPT\]" "$COPY_DEC" "$T/ct-pl" --kek "$KEK"
draft_refused tampered-tag 5 "authentication tag does not verify.*\[FWUP_E_DECRYPT\]" "$COPY_DEC" "$T/tag-pl" --kek "$KEK"
draft_refused no-payload 1 "payload '.*/encrypted-firmware': No such file.*\[FWUP_E_FETCH\]" "$FETCH_FAIL" "$T/none" --kek "$KEK"

# 3. A bootable manifest with the same staging flow, over a running v1.
mkenv "$T/v1n.suit" 1 fw1.bin --component "$PT"
printf %s "$PLAIN" >"$P/plain.bin"
mkenv "$T/v2s.suit" 2 plain.bin --component "$PT" --staging "$ST" \
    --ciphertext "$D/encrypted-firmware" --enc-info "$ENC/encryption-info-aes-kw-aes-gcm.cose"
with_v1() { # DIR [init options]: v1 (plaintext, 10000 bytes) in slot A, confirmed
    kw_device "$1" "$T/lay-names.json" "${@:2}"
    sim install "$1" "$T/v1n.suit" --payloads "$P" && sim boot "$1" ||
        { echo "v1 setup failed: $(cat "$T/err")" >&2; exit 1; }
}
with_v1 "$T/s" --kek "$KEK"
expect_exit 0 "$FWUP_SIM" install "$T/s" "$T/v2s.suit" --payloads "$D"
expect_out 'installed sequence 2 into slot B \(30 bytes, trial\)'
boot_json "$T/s"
checks=$((checks + 1))
[ "$BOOT_RC" = 0 ] && [ "$BOOT_SEQ" = 2 ] && [ "$BOOT_OUTCOME" = trial-confirmed ] &&
    [ "$(jq -r .slot "$T/boot.json")" = B ] || fail "v2s: boot rc $BOOT_RC seq $BOOT_SEQ $BOOT_OUTCOME"
checks=$((checks + 1))
[ "$(head_of "$T/s" "$SB" 30)" = "$PLAIN" ] || fail "v2s: slot B does not hold the plaintext"

stage_refused() { # NAME EXIT PATTERN REPORT-PATTERN PAYLOAD-DIR [init options]: active slot A untouched, v1 boots
    name=$1 code=$2 pat=$3 rpat=$4 pl=$5; shift 5
    dev=$T/r-$name
    with_v1 "$dev" "$@"
    part "$dev" "$SA" "$SLOT" >"$T/a-before.bin"
    expect_exit "$code" "$FWUP_SIM" install "$dev" "$T/v2s.suit" --payloads "$pl"
    expect_err "$pat"
    part "$dev" "$SA" "$SLOT" >"$T/a-after.bin"
    expect_same "$T/a-after.bin" "$T/a-before.bin"
    checks=$((checks + 1))
    [ "$(slot_state "$dev" 1)" = empty ] || fail "$name: slot B committed"
    boot_json "$dev"
    checks=$((checks + 1))
    [ "$BOOT_RC" = 0 ] && [ "$BOOT_SEQ" = 1 ] && [ "$BOOT_OUTCOME" = confirmed ] ||
        fail "$name: v1 does not boot (rc $BOOT_RC seq $BOOT_SEQ $BOOT_OUTCOME)"
    reported "$dev" "$rpat"
}
stage_refused wrong-kek 5 "no recipient's CEK unwraps.*\[FWUP_E_DECRYPT\]" "$COPY_DEC" "$D" --kek "$T/other-kek.bin"
stage_refused no-kek 5 "no decryption key.*\[FWUP_E_DECRYPT\]" "$COPY_DEC" "$D"
stage_refused tampered-ct 5 "authentication tag does not verify.*\[FWUP_E_DECRYPT\]" "$COPY_DEC" "$T/ct-pl" --kek "$KEK"
stage_refused tampered-tag 5 "authentication tag does not verify.*\[FWUP_E_DECRYPT\]" "$COPY_DEC" "$T/tag-pl" --kek "$KEK"
stage_refused no-payload 1 "payload '.*/encrypted-firmware': No such file.*\[FWUP_E_FETCH\]" "$FETCH_FAIL" "$T/none" --kek "$KEK"
# 4. Power cut and wear over a 14000-byte staged, encrypted image.
PB=$T/big-pl
mkdir -p "$PB"
"$FWUP" encrypt "$P/fw2.bin" -o "$PB/fw2.enc" --info-out "$T/fw2.info" --alg A128GCM \
    --kek "$KEK" --kid sim-kek >/dev/null 2>&1 || { fail "encrypt"; done_testing; exit; }
mkenv "$T/v2big.suit" 2 fw2.bin --component "$PT" --staging "$ST" \
    --ciphertext "$PB/fw2.enc" --enc-info "$T/fw2.info"
with_v1 "$T/base" --kek "$KEK"
part "$T/base" "$SA" "$SLOT" >"$T/base-a.bin"
"$FWUP_SIM" status "$T/base" --json | jq -c .flash.wear >"$T/wear-before"
cp -a "$T/base" "$T/ref"
expect_exit 0 "$FWUP_SIM" install "$T/ref" "$T/v2big.suit" --payloads "$PB" --json
OPS=$(jq -r '.flash.operations' "$T/out")
ENC_SIZE=$(stat -c %s "$PB/fw2.enc")
# Each sector the ciphertext / the image + envelope needs, erased once.
want_stg=$(((ENC_SIZE + SECTOR - 1) / SECTOR))
env_end=$((($(stat -c %s "$P/fw2.bin") + 7) / 8 * 8 + $(stat -c %s "$T/v2big.suit")))
want_slot=$(((env_end + SECTOR - 1) / SECTOR))
checks=$((checks + 1))
[ "$(jq -r '[.erases.staging, .erases.slot] | join(" ")' "$T/out")" = "$want_stg $want_slot" ] ||
    fail "wear: erases $(jq -c .erases "$T/out"), want staging $want_stg slot $want_slot"
checks=$((checks + 1))
[ "$(jq -r .erases.state "$T/out")" -le 1 ] || fail "wear: more than one state-sector erase"
echo "staging install: $OPS flash operations, erases: $(jq -c .erases "$T/out")"
# No erase outside slot B, the staging area and the state log.
checks=$((checks + 1))
python3 - "$T/wear-before" <(   "$FWUP_SIM" status "$T/ref" --json | jq -c .flash.wear) "$EX" <<'PY' ||
import json, sys
before, after = (json.load(open(p)) for p in sys.argv[1:3])
lay = json.load(open(sys.argv[3]))
sec, parts = lay["flash"]["sector_size"], lay["partitions"]
ok = set()
for name in ("slot_b", "staging", "state"):
    p = parts[name]
    ok |= set(range(p["offset"] // sec, (p["offset"] + p["size"]) // sec))
bad = [i for i, (x, y) in enumerate(zip(before, after)) if x != y and i not in ok]
sys.exit(1 if bad else 0)
PY
    fail "wear: a sector outside slot B / staging / state was erased"
checks=$((checks + 1))
[ "$("$FWUP_SIM" status "$T/ref" --json | jq -r .flash.erases_per_partition.staging)" = "$want_stg" ] ||
    fail "status does not count the staging erases"
boot_json "$T/ref"
checks=$((checks + 1))
[ "$BOOT_SEQ" = 2 ] && expect_same <(head_of "$T/ref" "$SB" 14000) "$P/fw2.bin" ||
    fail "reference: v2big not booted"

finish_update() { # DIR WHAT: re-run the install unless v2 boots; v2 booted, confirmed, decrypted
    boot_json "$1"
    if [ "$BOOT_SEQ" != 2 ]; then
        sim install "$1" "$T/v2big.suit" --payloads "$PB" ||
            { fail "$2: re-install: $(cat "$T/err")"; return 1; }
        boot_json "$1"
    fi
    [ "$BOOT_RC" = 0 ] && [ "$BOOT_SEQ" = 2 ] || { fail "$2: v2 not booted ($BOOT_RC $BOOT_SEQ)"; return 1; }
    [ "$(anti_rollback "$1")" = 2 ] || { fail "$2: anti-rollback not 2"; return 1; }
    cmp -s <(head_of "$1" "$SB" 14000) "$P/fw2.bin" || { fail "$2: slot B is not the plaintext"; return 1; }
    return 0
}
tried=0 survived=0
for N in $(seq 0 "$OPS"); do
    rm -rf "$T/d"; cp -a "$T/base" "$T/d"
    checks=$((checks + 1)); tried=$((tried + 1))
    "$FWUP_SIM" install "$T/d" "$T/v2big.suit" --payloads "$PB" --power-cut-after "$N" >/dev/null 2>&1
    rc=$?
    want=75; [ "$N" -ge "$OPS" ] && want=0
    [ "$rc" = "$want" ] || { fail "cut $N: exit $rc, want $want"; continue; }
    # The active image is never written, whatever the cut.
    cmp -s <(part "$T/d" "$SA" "$SLOT") "$T/base-a.bin" || { fail "cut $N: slot A changed"; continue; }
    [ "$(anti_rollback "$T/d")" = 1 ] || { fail "cut $N: anti-rollback changed"; continue; }
    boot_json "$T/d"
    [ "$BOOT_RC" = 0 ] || { fail "cut $N: boot failed: $(cat "$T/err")"; continue; }
    if [ "$N" -lt "$OPS" ]; then wantseq=1; else wantseq=2; fi
    [ "$BOOT_SEQ" = "$wantseq" ] || { fail "cut $N: booted $BOOT_SEQ, want $wantseq"; continue; }
    finish_update "$T/d" "cut $N" || continue
    survived=$((survived + 1))
done
echo "staging install power cut: $OPS flash operations, tried $tried cut points, $survived survived"

# The draft's vector under every cut, on a fresh device: never a committed
# slot before the last operation, and the re-run installs the plaintext.
kw_device "$T/dbase" "$T/lay-names.json" --kek "$KEK" --no-identity-checks
cp -a "$T/dbase" "$T/dref"
sim install "$T/dref" "$ENC/suit-manifest-aes-kw.suit" --payloads "$D" --json
DOPS=$(jq -r '.flash.operations' "$T/out")
dtried=0 dsurvived=0
for N in $(seq 0 "$((DOPS - 1))"); do
    rm -rf "$T/d"; cp -a "$T/dbase" "$T/d"
    checks=$((checks + 1)); dtried=$((dtried + 1))
    "$FWUP_SIM" install "$T/d" "$ENC/suit-manifest-aes-kw.suit" --payloads "$D" \
        --power-cut-after "$N" >/dev/null 2>&1
    rc=$?
    [ "$rc" = 75 ] || { fail "draft cut $N: exit $rc"; continue; }
    [ "$(slot_state "$T/d" 0)" = empty ] || { fail "draft cut $N: slot A committed"; continue; }
    sim install "$T/d" "$ENC/suit-manifest-aes-kw.suit" --payloads "$D" ||
        { fail "draft cut $N: re-run: $(cat "$T/err")"; continue; }
    [ "$(slot_state "$T/d" 0)" = trial ] && [ "$(head_of "$T/d" "$SA" 30)" = "$PLAIN" ] ||
        { fail "draft cut $N: re-run did not install the plaintext"; continue; }
    dsurvived=$((dsurvived + 1))
done
echo "draft aes-kw power cut: $DOPS flash operations, tried $dtried cut points, $dsurvived survived"

# 5. A128CTR has no tag ([ENC] §4.3): the manifest checks the ciphertext's
# digest in staging before the copy. A tampered ciphertext then fails that
# image-match, and nothing reaches the slot: slot B is never erased.
mkdir -p "$T/ctr-pl"
"$FWUP" encrypt "$P/fw2.bin" -o "$T/ctr-pl/fw2.enc" --info-out "$T/ctr.info" --alg A128CTR \
    --kek "$KEK" --kid sim-kek >/dev/null 2>&1 || fail "encrypt ctr"
mkenv "$T/v2ctr.suit" 2 fw2.bin --component "$PT" --staging "$ST" --ct-digest \
    --ciphertext "$T/ctr-pl/fw2.enc" --enc-info "$T/ctr.info"
with_v1 "$T/ctr" --kek "$KEK"
cp -a "$T/ctr" "$T/ctr-bad"
expect_exit 0 "$FWUP_SIM" install "$T/ctr" "$T/v2ctr.suit" --payloads "$T/ctr-pl"
boot_json "$T/ctr"
checks=$((checks + 1))
[ "$BOOT_SEQ" = 2 ] && cmp -s <(head_of "$T/ctr" "$SB" 14000) "$P/fw2.bin" ||
    fail "ctr with ciphertext digest: v2 not booted"
python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[100]^=1; open(sys.argv[1],'wb').write(b)" \
    "$T/ctr-pl/fw2.enc"
part "$T/ctr-bad" "$SB" "$SLOT" >"$T/b-before.bin"
part "$T/ctr-bad" "$SA" "$SLOT" >"$T/a-before.bin"
expect_exit 1 "$FWUP_SIM" install "$T/ctr-bad" "$T/v2ctr.suit" --payloads "$T/ctr-pl" --json
checks=$((checks + 1))
[ "$(jq -r '[.error.name, .erases.slot] | join(" ")' "$T/out")" = "FWUP_E_CONDITION_FAILED 0" ] ||
    fail "tampered ctr: $(jq -c '[.error, .erases]' "$T/out")"
expect_same <(part "$T/ctr-bad" "$SB" "$SLOT") "$T/b-before.bin"
expect_same <(part "$T/ctr-bad" "$SA" "$SLOT") "$T/a-before.bin"
reported "$T/ctr-bad" 'failed at +install \+[0-9]+ condition-image-match, component 1: FWUP_E_CONDITION_FAILED'
boot_json "$T/ctr-bad"
checks=$((checks + 1))
[ "$BOOT_SEQ" = 1 ] && [ "$BOOT_OUTCOME" = confirmed ] || fail "tampered ctr: v1 does not boot"

# 6. The commit rule (agent.c): without any image-match on the image, only
# an AEAD tag authenticates what was decrypted into the slot. A128GCM
# commits; A128CTR, whose plaintext nothing checked, is refused and slot B
# stays empty (the image-match of --ct-digest is on the staging component,
# not the image, and does not count).
mkdir -p "$T/nomatch-pl"
for alg in A128GCM A128CTR; do
    "$FWUP" encrypt "$P/fw2.bin" -o "$T/nomatch-pl/$alg.enc" --info-out "$T/$alg.info" \
        --alg "$alg" --kek "$KEK" --kid sim-kek >/dev/null 2>&1 || fail "encrypt $alg"
    mkenv "$T/v2-$alg.suit" 2 fw2.bin --component "$PT" --staging "$ST" --ct-digest \
        --no-image-match --ciphertext "$T/nomatch-pl/$alg.enc" --enc-info "$T/$alg.info"
    with_v1 "$T/nm-$alg" --kek "$KEK"
done
expect_exit 0 "$FWUP_SIM" install "$T/nm-A128GCM" "$T/v2-A128GCM.suit" --payloads "$T/nomatch-pl"
checks=$((checks + 1))
[ "$(slot_state "$T/nm-A128GCM" 1)" = trial ] || fail "gcm without image-match: slot B not committed"
expect_exit 1 "$FWUP_SIM" install "$T/nm-A128CTR" "$T/v2-A128CTR.suit" --payloads "$T/nomatch-pl"
expect_err 'never checked the image it installed.*\[FWUP_E_DIRECTIVE_FAILED\]'
checks=$((checks + 1))
[ "$(slot_state "$T/nm-A128CTR" 1)" = empty ] || fail "ctr without image-match: slot B committed"
boot_json "$T/nm-A128CTR"
checks=$((checks + 1))
[ "$BOOT_SEQ" = 1 ] || fail "ctr without image-match: v1 does not boot"
done_testing
