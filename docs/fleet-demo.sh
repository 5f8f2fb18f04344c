#!/usr/bin/env bash
# docs/fleet-demo.sh [OUT_DIR]      (default build/fleet-demo; see docs/reports.md)
#
# Fleet monitoring with SUIT reports (draft-ietf-suit-report-18), end to end:
#   1. build and sign (demo author + operator keys, keys/) five releases of
#      the example firmware (device-sim/example): class "sim-board-1"
#      sequence 1, 2 and 4, class "sim-board-2" sequence 2, and the ROLLOUT,
#      sim-board-1 sequence 3 with a reference-uri;
#   2. provision twelve simulated devices (fwup-sim) of the two classes:
#      sb1-01..07 run sequence 2, sb1-08 an OLDER image (1), sb1-09 a pilot
#      image (4); sb2-01..03 are the other class, running their sequence 2;
#   3. roll the one envelope out to all twelve (install, then boot to
#      confirm where it installed);
#   4. export each device's SUIT reports (fwup-sim report --all) and print
#      the fleet summary (fwup report summary): 8 updated to 3, the three
#      sim-board-2 devices refused it (class condition failed), the pilot
#      refused it (rollback: 3 is older than its 4).
# Every command is printed before it runs. FWUP and FWUP_SIM may point at
# the binaries (default build/cli/fwup, build/device-sim/fwup-sim).
# FWUP_SIM_CLOCK pins the devices' clock so the reports are reproducible.
set -Eeuo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
FWUP=${FWUP:-$root/build/cli/fwup}
FWUP_SIM=${FWUP_SIM:-$root/build/device-sim/fwup-sim}
out=${1:-$root/build/fleet-demo}
export FWUP_SIM_CLOCK=${FWUP_SIM_CLOCK:-1767225600}
for b in "$FWUP" "$FWUP_SIM"; do
    [ -x "$b" ] || { echo "fleet-demo: $b not built (meson setup build && ninja -C build)" >&2; exit 2; }
done
command -v jq >/dev/null || { echo "fleet-demo: jq is needed" >&2; exit 2; }
ex=$root/device-sim/example
trap 'echo "fleet-demo: FAILED (exit $?)" >&2' ERR
rm -rf "$out"
mkdir -p "$out/rel" "$out/devices"

# run CMD...: print the command (binaries by name), then run it.
run() {
    local a line=
    for a in "$@"; do
        [ "$a" = "$FWUP" ] && a=fwup
        [ "$a" = "$FWUP_SIM" ] && a=fwup-sim
        line="$line ${a#"$out"/}"
    done
    echo "\$$line"
    "$@"
}
# quiet CMD...: the same, output kept only on failure
quiet() { run "$@" >"$out/last.log" 2>&1 || { cat "$out/last.log" >&2; return 1; }; }

echo "== 1. releases (fwup create + fwup sign, author and operator)"
cp "$ex"/firmware-v1.bin "$ex"/firmware-v2.bin "$out/rel/"
# release NAME MODEL SEQ FIRMWARE [REFERENCE-URI]
release() {
    jq --arg m "$2" --argjson s "$3" --arg f "$4" --arg u "${5:-}" '
        .identity.model = $m | ."sequence-number" = $s |
        .components[0].image.file = $f | .components[0].integrated = ("#" + $f) |
        .components[0].text["model-info"] = $m |
        .text["manifest-description"] = ("fleet demo " + $m + " " + ($s | tostring)) |
        if $u != "" then ."reference-uri" = $u else . end' \
        "$ex/release.json" >"$out/rel/$1.json"
    quiet "$FWUP" create "$out/rel/$1.json" -o "$out/rel/$1-unsigned.suit"
    quiet "$FWUP" sign "$out/rel/$1-unsigned.suit" -k "$root/keys/demo-author.pem" -o "$out/rel/$1-a.suit"
    quiet "$FWUP" sign "$out/rel/$1-a.suit" -k "$root/keys/demo-operator.pem" -o "$out/rel/$1.suit"
}
release sb1-1 sim-board-1 1 firmware-v1.bin
release sb1-2 sim-board-1 2 firmware-v2.bin
release sb1-4 sim-board-1 4 firmware-v2.bin
release sb2-2 sim-board-2 2 firmware-v2.bin
release rollout sim-board-1 3 firmware-v1.bin https://updates.fwup.example/sim-board-1/3.suit

echo
echo "== 2. twelve devices"
devs=()
# device NAME MODEL NUMBER BASELINE-RELEASE
device() {
    local d=$out/devices/$1
    quiet "$FWUP_SIM" init "$d" --layout "$ex/layout.json" --policy "$ex/policy.json" \
        --vendor-domain fwup.example --model "$2" \
        --device "$(printf '00000000-0000-4000-8000-%012d' "$3")"
    quiet "$FWUP_SIM" install "$d" "$out/rel/$4.suit"
    quiet "$FWUP_SIM" boot "$d"
    devs+=("$d")
}
for i in 1 2 3 4 5 6 7; do device "sb1-0$i" sim-board-1 "$i" sb1-2; done
device sb1-08 sim-board-1 8 sb1-1   # an older image
device sb1-09 sim-board-1 9 sb1-4   # a pilot device, already ahead
for i in 1 2 3; do device "sb2-0$i" sim-board-2 "$((20 + i))" sb2-2; done

echo
echo "== 3. roll out $(basename "$out/rel/rollout.suit") to every device"
for d in "${devs[@]}"; do
    if run "$FWUP_SIM" install "$d" "$out/rel/rollout.suit" 2>"$out/last.log"; then
        quiet "$FWUP_SIM" boot "$d"
    else
        sed 's/^/    /' "$out/last.log"
    fi
done

echo
echo "== 4. collect the reports and summarise the fleet"
for d in "${devs[@]}"; do quiet "$FWUP_SIM" report "$d" --all; done
run "$FWUP" report show "$out/devices/sb2-01/reports/report-00000002.cbor"
echo
run "$FWUP" report summary "${devs[@]}"
