#!/bin/bash
# Trust domains end to end (draft-ietf-suit-trust-domains-11): the author
# makes and signs the image manifest; the operator wraps it, integrated, in a
# root manifest of its own (fwup create "dependencies", with a use-before)
# and signs only that. The device policy demands the operator for the root
# and the author for the dependency ("dependency_roles"). The two-level
# update installs and boots; a root by the wrong role, a dependency bound to
# another digest, an expired root and a dependency by an unknown key are all
# refused BEFORE ANY FLASH WRITE (operation counter 0, flash byte-identical),
# with the reason in the error and in the SUIT report.
. "$SIMTESTS/../cli/lib.sh"
. "$SIMTESTS/simlib.sh"
DK=$SRCDIR/keys
W=$T/rel
mkdir -p "$W"
cp "$P/fw2.bin" "$W/fw2.bin"
UB=4102444800 # 2100-01-01T00:00:00Z

cat >"$T/dep-policy.json" <<JSON
{
  "fwup_policy": 1,
  "anchors": [
    {"role": "author", "key": "$DK/demo-author.pub.pem"},
    {"role": "operator", "key": "$DK/demo-operator.pub.pem"}
  ],
  "require": ["operator"],
  "dependency_roles": ["author"]
}
JSON

# app SEQ OUT KEY: the author's image manifest (the image integrated), signed
app() {
    cat >"$W/app$1.json" <<JSON
{ "sequence-number": $1,
  "identity": { "vendor-domain": "example.com", "model": "sim-board" },
  "components": [ { "name": "app", "id": [{"hex": "00"}], "image": { "file": "fw2.bin" },
                    "integrated": "#fw2.bin", "invoke": true } ] }
JSON
    "$FWUP" create "$W/app$1.json" -o "$W/app$1.u.suit" >/dev/null 2>&1 &&
        "$FWUP" sign "$W/app$1.u.suit" -k "$3" -o "$2" >/dev/null 2>&1 ||
        { echo "app $1 failed" >&2; exit 1; }
}
# root SEQ DEP OUT KEY [USE_BEFORE]: the operator's root manifest, the
# author's envelope DEP integrated under "#app", signed with KEY
root() {
    ub=${5:-$UB}
    cat >"$W/root$1.json" <<JSON
{ "sequence-number": $1,
  "identity": { "vendor-domain": "example.com", "model": "sim-board" },
  "components": [ { "id": [{"hex": "00"}] } ],
  "dependencies": [ { "name": "app", "envelope": "$2", "integrated": "#app" } ],
  "use-before": $ub }
JSON
    "$FWUP" create "$W/root$1.json" -o "$W/root$1.u.suit" >/dev/null 2>&1 &&
        "$FWUP" sign "$W/root$1.u.suit" -k "$4" -o "$3" >/dev/null 2>&1 ||
        { echo "root $1 failed" >&2; exit 1; }
}

"$FWUP_SIM" init "$T/d" --layout "$T/layout.json" --policy "$T/dep-policy.json" \
    --vendor-domain example.com --model sim-board >/dev/null || fail "init"

# The good two-level update.
app 7 "$W/app7.suit" "$DK/demo-author.pem"
root 8 "$W/app7.suit" "$W/root8.suit" "$DK/demo-operator.pem"
# fwup verify checks the root; the dependency is verified on its own.
expect_exit 0 "$FWUP" verify "$W/root8.suit" -t "operator=$DK/demo-operator.pub.pem" \
    --require operator
expect_exit 0 "$FWUP" verify "$W/app7.suit" -t "author=$DK/demo-author.pub.pem" --require author
# The operator's root is not the author's: verifying it for the author says no.
expect_exit 1 "$FWUP" verify "$W/root8.suit" -t "author=$DK/demo-author.pub.pem" --require author

# rejected NAME ENVELOPE PATTERN [--now N]: exit 1, the reason in the error
# and in the report, and not a single flash operation.
rejected() {
    name=$1 env=$2 pat=$3; shift 3
    cp "$T/d/flash.bin" "$T/before.bin"
    cp "$T/d/flash.meta" "$T/before.meta"
    expect_exit 1 "$FWUP_SIM" install "$T/d" "$env" --json "$@"
    expect_out "$pat"
    checks=$((checks + 1))
    [ "$(jq -r '.flash.operations' "$T/out")" = 0 ] || fail "$name: flash operations performed"
    expect_same "$T/d/flash.bin" "$T/before.bin"
    expect_same "$T/d/flash.meta" "$T/before.meta"
    # the text form names the reason too (one line on stderr)
    expect_exit 1 "$FWUP_SIM" install "$T/d" "$env" "$@"
    expect_err "$pat"
    checks=$((checks + 1))
    [ "$(wc -l <"$T/err")" -le 2 ] || fail "$name: more than one error line"
    if "$FWUP_SIM" report "$T/d" -o "$T/$name.report" >/dev/null 2>&1; then
        checks=$((checks + 1))
        "$FWUP" report show "$T/$name.report" >"$T/rep.txt" 2>&1 &&
            grep -Eq "$pat" "$T/rep.txt" || fail "$name: report does not give the reason"
    fi
}

# 1. The root signed by the author (the wrong role for a root).
root 9 "$W/app7.suit" "$W/root-by-author.suit" "$DK/demo-author.pem"
rejected wrong-role "$W/root-by-author.suit" 'POLICY_ROLE_MISSING'

# 2. A dependency whose manifest is not the one the root signed: the root is
# built for app 6, then app 7 (same length) is put in its place. The root's
# signature still verifies (integrated members are not signed); the binding
# by manifest digest catches the swap.
app 6 "$W/app6.suit" "$DK/demo-author.pem"
root 10 "$W/app6.suit" "$W/root-swapped.suit" "$DK/demo-operator.pem"
checks=$((checks + 1))
python3 - "$W/root-swapped.suit" "$W/app6.suit" "$W/app7.suit" <<'PY' || fail "swap"
import sys
root, old, new = (open(p, "rb").read() for p in sys.argv[1:])
assert len(old) == len(new) and root.count(old) == 1
open(sys.argv[1], "wb").write(root.replace(old, new))
PY
rejected digest-mismatch "$W/root-swapped.suit" 'IMAGE_DIGEST'

# 3. The root's use-before is in the past for this device.
rejected expired "$W/root8.suit" 'EXPIRED' --now $((UB + 1))

# 4. The dependency signed by a key the device does not know.
"$FWUP" keygen -a ES256 -o "$T/stranger.pem" >/dev/null 2>&1 || fail "keygen"
app 7 "$W/app-stranger.suit" "$T/stranger.pem"
root 11 "$W/app-stranger.suit" "$W/root-stranger.suit" "$DK/demo-operator.pem"
rejected unknown-key "$W/root-stranger.suit" 'NO_TRUSTED_KEY|SIG_VERIFY'

# 5. The good one installs (its last second still counts) and boots.
expect_exit 0 "$FWUP_SIM" install "$T/d" "$W/root8.suit" --now $UB
expect_out 'installed sequence 8'
boot_json "$T/d"
checks=$((checks + 1))
[ "$BOOT_RC" = 0 ] && [ "$BOOT_SEQ" = 8 ] && [ "$BOOT_OUTCOME" = trial-confirmed ] ||
    fail "two-level update not booted: rc $BOOT_RC seq $BOOT_SEQ $BOOT_OUTCOME"
# The slot holds the author's image, byte for byte.
checks=$((checks + 1))
python3 - "$T/d/flash.bin" "$W/fw2.bin" <<'PY' || fail "image not in slot A"
import sys
flash, img = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
assert flash[16384:16384 + len(img)] == img
PY
done_testing
