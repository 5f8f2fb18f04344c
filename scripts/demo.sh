#!/usr/bin/env bash
# scripts/demo.sh [BUILD_DIR]      (default build; scripts/setup.sh runs it)
#
# The end-to-end demo, each step printed as the command it runs:
#   1. show and verify the draft's example envelope (tests/vectors/draft37),
#   2. create a release envelope from device-sim/example/release.json,
#   3. sign it as the author and as the operator (demo keys made by
#      `fwup keygen`, or keys/demo-*.pem when present),
#   4. verify it with --require author,operator and --device-check (nothing a
#      device refuses before installing), and check that the author's
#      signature alone is refused,
#   5. sign v1 and v2 of the release as the author with a key that never
#      leaves the demo's SoftHSM token (a pkcs11: URI; the token is made
#      under BUILD_DIR/demo/hsm on first use), and as the operator with a
#      file key; verify both against a policy file requiring both roles,
#   6. provision a simulated device (fwup-sim) with that policy, install and
#      boot v1, cut power in the middle of the v2 install, boot (still v1),
#      install v2 again and boot it, and see v1 refused as a rollback.
#
# A step whose command or input does not exist yet says so and is skipped (a
# command is available when `fwup help CMD` succeeds). A step that is
# available and fails stops the demo with a non-zero exit.
# Outputs are left in BUILD_DIR/demo/ to look at.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
FWUP=${FWUP:-$PWD/$build/cli/fwup}
[ -x "$FWUP" ] || { echo "demo: $FWUP not built (run scripts/setup.sh)" >&2; exit 2; }
out=$build/demo
rm -rf "$out"
mkdir -p "$out"

step=0
skipped=0
trap 'echo "demo: FAILED in step $step (exit $?)" >&2' ERR
section() {
    step=$((step + 1))
    printf '\n== %d. %s\n' "$step" "$*"
}
# show CMD...: the command as one could paste it (fwup for the binary's
# path, single quotes around words the shell would split, like pkcs11: URIs).
show() {
    local a line=
    for a in "$@"; do
        [ "$a" = "$FWUP" ] && a=fwup
        a=${a#"$PWD"/}
        case "$a" in
        *[!A-Za-z0-9_./:=,@%+-]*) a="'$a'" ;;
        esac
        line="$line $a"
    done
    printf '$%s' "$line"
}
# run CMD...: echo it, run it, stop the demo if it fails.
run() {
    show "$@"
    echo
    "$@"
}
# run_expect CODE CMD...: echo it, run it, require exit CODE (for a refusal).
run_expect() {
    local want=$1 got
    shift
    show "$@"
    echo "   # expect exit $want"
    # In an || list the command's status triggers neither set -e nor the ERR trap.
    got=0
    "$@" || got=$?
    if [ "$got" != "$want" ]; then
        echo "demo: expected exit $want, got $got" >&2
        exit 1
    fi
}
available() { "$FWUP" help "$1" >/dev/null 2>&1; }
skip() {
    echo "(not available yet: $*; skipped)"
    skipped=$((skipped + 1))
}

VEC=tests/vectors/draft37
run "$FWUP" --version

section "show the draft's example 2 (tests/vectors/draft37/example2.suit)"
if available show; then
    run "$FWUP" show "$VEC/example2.suit"
else
    skip "'fwup show'"
fi

section "verify it against the draft's example key"
if available verify; then
    run "$FWUP" verify "$VEC/example2.suit" -t "$VEC/example-pub.pem"
    # The same envelope with one byte of its text changed must be refused.
    if [ -f tests/vectors/negative/example2-text-tampered.suit ]; then
        run_expect 1 "$FWUP" verify tests/vectors/negative/example2-text-tampered.suit \
            -t "$VEC/example-pub.pem"
    fi
else
    skip "'fwup verify'"
fi

section "create a release from device-sim/example/release.json"
release=
if [ ! -f device-sim/example/release.json ]; then
    skip "device-sim/example/release.json"
elif ! available create; then
    skip "'fwup create'"
else
    run "$FWUP" create device-sim/example/release.json -o "$out/release.suit"
    release=$out/release.suit
    if available show; then
        run "$FWUP" show "$release"
    fi
fi

section "demo keys for the author and the operator"
keys=
if [ -f keys/demo-author.pem ] && [ -f keys/demo-operator.pem ] &&
    [ -f keys/demo-author.pub.pem ] && [ -f keys/demo-operator.pub.pem ]; then
    # Committed demo keys (keys/README.md: never for anything real).
    echo "author: keys/demo-author.pem (P-256), operator: keys/demo-operator.pem (Ed25519)"
    author=keys/demo-author operator=keys/demo-operator
    keys=yes
elif available keygen; then
    run "$FWUP" keygen -a ES256 -o "$out/author.pem" --pub "$out/author.pub.pem"
    run "$FWUP" keygen -a Ed25519 -o "$out/operator.pem" --pub "$out/operator.pub.pem"
    author=$out/author operator=$out/operator
    keys=yes
else
    skip "'fwup keygen' (and no keys/demo-*.pem)"
fi

section "sign as the author, then as the operator"
signed=
if [ -z "$release" ] || [ -z "$keys" ]; then
    skip "needs the release and the keys above"
elif ! available sign; then
    skip "'fwup sign'"
else
    run "$FWUP" sign "$release" -k "$author.pem" -o "$out/release.author.suit"
    run "$FWUP" sign "$out/release.author.suit" -k "$operator.pem" -o "$out/release.signed.suit"
    signed=$out/release.signed.suit
fi

section "verify: both the author's and the operator's signature are required"
if [ -z "$signed" ]; then
    skip "needs the signed release above"
elif ! available verify; then
    skip "'fwup verify'"
else
    # --device-check: and nothing in it that a device's processor refuses
    # before installing (fwup_v_check, the device's own dry run).
    run "$FWUP" verify "$signed" -t author="$author.pub.pem" \
        -t operator="$operator.pub.pem" --require author,operator --device-check
    # Signed by the author only: the all-of policy says no (exit 1).
    run_expect 1 "$FWUP" verify "$out/release.author.suit" -t author="$author.pub.pem" \
        -t operator="$operator.pub.pem" --require author,operator
fi

section "the author signs with a key that never leaves an HSM (SoftHSM2 via pkcs11:)"
hsm_signed=
if [ -z "$release" ] || [ -z "$keys" ]; then
    skip "needs the release and the keys above"
elif ! command -v softhsm2-util >/dev/null || [ ! -x keys/hsm-setup.sh ]; then
    skip "SoftHSM2 or keys/hsm-setup.sh"
elif ! available pubkey || ! "$FWUP" help sign 2>/dev/null | grep -q 'pkcs11:'; then
    skip "'fwup sign' with a pkcs11: key, 'fwup pubkey'"
else
    # The demo's embedded HSM: a SoftHSM2 token under build/demo/hsm, made
    # on first use and reused afterwards (its own SOFTHSM2_CONF).
    echo "\$ eval \"\$(keys/hsm-setup.sh $out/hsm)\""
    eval "$(keys/hsm-setup.sh "$out/hsm" 2>"$out/hsm-setup.log")" ||
        { cat "$out/hsm-setup.log" >&2; exit 1; }
    # The PIN comes from the environment, never from argv.
    export FWUP_PKCS11_PIN=$FWUP_HSM_PIN
    run "$FWUP" pubkey "$FWUP_HSM_AUTHOR_URI" -o "$out/hsm-author.pub.pem"
    # Both releases (v1 to provision the device, v2 to update it): the
    # author's HSM key first, then the operator's file key.
    run "$FWUP" create device-sim/example/release-v1.json -o "$out/v1.suit"
    run "$FWUP" sign "$out/v1.suit" "$release" -k "$FWUP_HSM_AUTHOR_URI" \
        -o "$out/v1.author.suit" -o "$out/v2.author.suit"
    run "$FWUP" sign "$out/v1.author.suit" "$out/v2.author.suit" -k "$operator.pem" \
        -o "$out/v1.signed.suit" -o "$out/v2.signed.suit"
    # One policy file for the release check and the device: both roles required.
    cp "$out/hsm-author.pub.pem" "$out/policy-author.pub.pem"
    cp "$operator.pub.pem" "$out/policy-operator.pub.pem"
    cat >"$out/policy.json" <<'POLICY'
{
  "fwup_policy": 1,
  "description": "demo: the author's HSM key AND the operator's key must both sign",
  "anchors": [
    {"role": "author", "key": "policy-author.pub.pem"},
    {"role": "operator", "key": "policy-operator.pub.pem"}
  ],
  "require": ["author", "operator"]
}
POLICY
    echo "\$ cat $out/policy.json"
    cat "$out/policy.json"
    run "$FWUP" verify "$out/v2.signed.suit" --policy "$out/policy.json"
    run_expect 1 "$FWUP" verify "$out/v2.author.suit" --policy "$out/policy.json"
    hsm_signed=yes
fi

section "install and boot on the simulated device (fwup-sim), with a power cut"
SIM=$(dirname "$FWUP")/../device-sim/fwup-sim
if [ -z "$hsm_signed" ]; then
    skip "needs the HSM-signed releases above"
elif [ ! -x "$SIM" ]; then
    skip "fwup-sim"
else
    dev=$out/device
    rm -rf "$dev"
    run "$SIM" init "$dev" --layout device-sim/example/layout.json --policy "$out/policy.json" \
        --vendor-domain fwup.example --model sim-board-1
    run "$SIM" install "$dev" "$out/v1.signed.suit"
    run "$SIM" boot "$dev"
    # Power is cut in the middle of the 10th flash operation of the v2
    # install (exit 75): the device still boots v1, and the install can
    # simply be run again.
    run_expect 75 "$SIM" install "$dev" "$out/v2.signed.suit" --power-cut-after 10
    run "$SIM" boot "$dev"
    run "$SIM" install "$dev" "$out/v2.signed.suit"
    run "$SIM" boot "$dev"
    # Going back to v1 is a rollback: refused, nothing written.
    run_expect 1 "$SIM" install "$dev" "$out/v1.signed.suit"
    run "$SIM" status "$dev"
fi

echo
if [ "$skipped" -gt 0 ]; then
    echo "demo: done, $skipped step(s) not available yet; outputs in $out/"
else
    echo "demo: done; outputs in $out/"
fi
