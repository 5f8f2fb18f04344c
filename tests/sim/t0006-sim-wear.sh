#!/bin/bash
# Flash wear: an A/B update erases each sector of the target slot at most
# once (only the sectors the image and its envelope need), never touches the
# bootloader or the running slot, and costs at most 1 state-sector erase per
# update cycle (install + first boot + confirm write at most 4 records; a
# 4 KiB sector holds 16).
. "$SIMTESTS/../cli/lib.sh"
. "$SIMTESTS/simlib.sh"

new_device "$T/d"
cycles=0
for i in 1 2 3 4 5 6 7 8 9 10; do
    pl=fw$(( (i % 3) + 1 )).bin
    mkenv "$T/u$i.suit" "$i" "$pl"
    "$FWUP_SIM" status "$T/d" --json >"$T/s0.json"
    expect_exit 0 "$FWUP_SIM" install "$T/d" "$T/u$i.suit" --payloads "$P" --json || continue
    cp "$T/out" "$T/inst.json"
    slot=$(jq -r .slot "$T/inst.json")
    size=$(stat -c %s "$P/$pl"); envsize=$(stat -c %s "$T/u$i.suit")
    need=$(( ( (size + 7) / 8 * 8 + envsize + 4095) / 4096 ))
    checks=$((checks + 1))
    [ "$(jq -r .erases.slot "$T/inst.json")" = "$need" ] ||
        fail "update $i: $(jq -r .erases.slot "$T/inst.json") slot erases, want $need"
    expect_exit 0 "$FWUP_SIM" boot "$T/d"
    "$FWUP_SIM" status "$T/d" --json >"$T/s1.json"
    # Per sector: the target slot's sectors got +1 at most, everything else
    # outside the state partition +0.
    checks=$((checks + 1))
    bad=$(jq -n --slurpfile a "$T/s0.json" --slurpfile b "$T/s1.json" --arg slot "$slot" '
        [range(0; $a[0].flash.wear|length) as $i
         | ($b[0].flash.wear[$i] - $a[0].flash.wear[$i]) as $d
         | if $i >= 62 then empty
           elif ($slot == "A" and $i >= 4 and $i < 33) or ($slot == "B" and $i >= 33 and $i < 62)
           then select($d > 1) else select($d != 0) end | $i] | length')
    [ "$bad" = 0 ] || fail "update $i: $bad sectors erased more than allowed"
    checks=$((checks + 1))
    st=$(( $(jq -r .flash.erases_per_partition.state "$T/s1.json") - $(jq -r .flash.erases_per_partition.state "$T/s0.json") ))
    [ "$st" -le 1 ] || fail "update $i: $st state-sector erases"
    cycles=$((cycles + 1))
done
"$FWUP_SIM" status "$T/d" --json >"$T/s.json"
echo "wear after $cycles A/B update cycles: erases per partition $(jq -c .flash.erases_per_partition "$T/s.json"), state log $(jq -r .state_log.records "$T/s.json") records"
checks=$((checks + 1))
[ "$(jq -r .flash.erases_per_partition.bootloader "$T/s.json")" = 0 ] || fail "bootloader erased"
done_testing
