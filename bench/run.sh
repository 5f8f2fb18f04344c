#!/bin/bash
# bench/run.sh [--quick]
#
# fwup's measurements, in one table (printed, and written to
# bench/out/results.md; bench/README.md explains each row). Builds what it
# needs: a release build in build-bench/ (-Dbuildtype=release
# -Doptimization=2), bench/measure (wall time + peak RSS of a process, from
# wait4), bench/vcount (the verifier on one draft example, for callgrind).
#
# Every figure is measured in this run, and every comparison is against a
# reference measured in the same run (openssl dgst on the same file); nothing
# here is a pass/fail test, so nothing is asserted. Wall times depend on the
# machine and on what else runs on it: the load average is printed with the
# table, and CPU time (user + system) is given beside wall time because a
# busy machine disturbs it less.
#
#   --quick   fewer runs, 256 MiB for the large-file rows (about 1-2 minutes)
#   (full)    more runs, and also fwup create on 1 GiB (several minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
QUICK=0
case ${1:-} in
--quick) QUICK=1 ;;
"") ;;
*) echo "usage: bench/run.sh [--quick]" >&2; exit 2 ;;
esac
if [ "$QUICK" = 1 ]; then
    RUNS=7 BIGRUNS=3 BATCHRUNS=3 BIG_MIB=256 CREATE_MIB=256
else
    RUNS=21 BIGRUNS=5 BATCHRUNS=7 BIG_MIB=256 CREATE_MIB=1024
fi
B=build-bench
OUT=bench/out
mkdir -p "$OUT"
for tool in meson ninja cc openssl valgrind callgrind_annotate pkg-config jq; do
    command -v "$tool" >/dev/null || { echo "bench: '$tool' not found (scripts/setup.sh)" >&2; exit 2; }
done
log() { echo "bench: $*" >&2; }

# ---- build -----------------------------------------------------------------
# -O2 rather than release's default -O3: gcc 12 at -O3 reports a
# -Wmaybe-uninitialized false positive in lib/author/desc.c (get_alg), and
# warnings are errors.
if [ ! -f "$B/build.ninja" ]; then
    log "setting up $B (release)"
    meson setup "$B" -Dbuildtype=release -Doptimization=2 >/dev/null
fi
log "building fwup, fwup-sim and the libraries in $B"
ninja -C "$B" cli/fwup device-sim/fwup-sim lib/libfwup.a lib/verifier/libfwup_verifier.a >/dev/null
mkdir -p "$B/bench"
WARN=(-Wall -Wextra -Wpedantic -Werror -Wshadow -Wconversion -Wno-sign-conversion
      -Wstrict-prototypes -Wmissing-prototypes -D_GNU_SOURCE)
LIBS=$(pkg-config --libs openssl libcbor jansson p11-kit-1)
cc -std=c11 -O2 "${WARN[@]}" -o "$B/bench/measure" bench/measure.c
# -g for callgrind's function names; no sibling calls, so that a port
# function that ends in a call stays on the call stack while its callee runs.
VC_FLAGS=(-std=c11 -O2 -g -fno-optimize-sibling-calls "${WARN[@]}" -Ilib/include)
# shellcheck disable=SC2086
cc "${VC_FLAGS[@]}" -o "$B/bench/vcount" bench/vcount.c "$B/lib/libfwup.a" \
    "$B/lib/verifier/libfwup_verifier.a" $LIBS
# The same verifier with a 4 KiB chunk buffer (FWUP_V_CHUNK, default 128):
# how much of the SUIT-logic count is the per-chunk streaming loop.
rm -rf "$B/bench/c4k" && mkdir -p "$B/bench/c4k"
for f in lib/verifier/*.c; do
    cc -std=c99 -O2 -ffreestanding -DFWUP_V_CHUNK=4096 -Ilib/include -c "$f" \
        -o "$B/bench/c4k/$(basename "$f" .c).o"
done
# shellcheck disable=SC2086
cc "${VC_FLAGS[@]}" -DFWUP_V_CHUNK=4096 -o "$B/bench/vcount-c4k" bench/vcount.c \
    "$B"/bench/c4k/*.o "$B/lib/libfwup.a" $LIBS
FWUP=$ROOT/$B/cli/fwup
SIM=$ROOT/$B/device-sim/fwup-sim
M=$ROOT/$B/bench/measure
V=$ROOT/tests/vectors/draft37
KEY=$ROOT/keys/demo-author.pem
PUB=$ROOT/keys/demo-author.pub.pem

D=$(mktemp -d "${TMPDIR:-/tmp}/fwup-bench.XXXXXX")
trap 'rm -rf "$D"' EXIT
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

# measure ARGS...: run bench/measure; sets runs median_ms min_ms max_ms cpu_ms maxrss_kib
# shellcheck disable=SC2034 # set by measure / cg through eval
runs=0 median_ms=0 min_ms=0 max_ms=0 cpu_ms=0 maxrss_kib=0
# shellcheck disable=SC2034
total=0 crypto=0 plat=0 logic=0
measure() {
    local line
    line=$("$M" "$@") || { echo "bench: measure failed: $*" >&2; exit 1; }
    eval "$line"
}
ms() { printf '%.1f' "$1"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

ROWS=()
row() { ROWS+=("| $1 | $2 | $3 | $4 |"); }

# ---- 1. the commands on the draft examples ----------------------------------
log "commands on the draft examples ($RUNS runs each)"
for cmd in create sign verify show; do
    cells="" cpus="" rss=0
    for i in 0 1 2 3 4 5; do
        case $cmd in
        create) measure -n "$RUNS" -- "$FWUP" create "$V/example$i.json" -o "$D/u$i.suit" ;;
        sign) measure -n "$RUNS" -- "$FWUP" sign "$D/u$i.suit" -k "$KEY" -o "$D/s$i.suit" ;;
        verify) measure -n "$RUNS" -- "$FWUP" verify "$V/example$i.suit" -t "$V/example-pub.pem" ;;
        show) measure -n "$RUNS" -- "$FWUP" show "$V/example$i.suit" ;;
        esac
        cells+="${cells:+ / }$(ms "$median_ms")"
        cpus+="${cpus:+ / }$(ms "$cpu_ms")"
        [ "$maxrss_kib" -gt "$rss" ] && rss=$maxrss_kib
    done
    row "\`fwup $cmd\`, draft examples 0-5: median wall ms" "$cells (CPU $cpus)" \
        "peak RSS <= $(mib "$rss") MiB" "$RUNS runs each, whole process"
done
measure -n "$RUNS" -- /bin/true
row "process start-up floor (\`/bin/true\`)" "$(ms "$median_ms") ms" "" "fork + exec + wait on this machine"

measure -n "$RUNS" -- "$FWUP" create "$V/example0.json" -o "$D/cs.suit" \
    --then "$FWUP" sign "$D/cs.suit" -k "$KEY" -o "$D/cs-signed.suit"
row "\`fwup create\` + \`fwup sign\` of example 0, together" \
    "$(ms "$median_ms") ms wall (min $(ms "$min_ms")), CPU $(ms "$cpu_ms") ms" \
    "peak RSS $(mib "$maxrss_kib") MiB" "target <= 5 ms"

# The same with both outputs on tmpfs: fwup writes a temporary file, fsyncs
# it, renames it and fsyncs the directory (cli/util.c), and on a disk the
# fsyncs are most of the wall.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    S=$(mktemp -d /dev/shm/fwup-bench.XXXXXX)
    measure -n "$RUNS" -- "$FWUP" create "$V/example0.json" -o "$S/cs.suit" \
        --then "$FWUP" sign "$S/cs.suit" -k "$KEY" -o "$S/cs-signed.suit"
    rm -rf "$S"
    row "the same, outputs on tmpfs (/dev/shm: fsync costs nothing)" \
        "$(ms "$median_ms") ms wall (min $(ms "$min_ms")), CPU $(ms "$cpu_ms") ms" "" \
        "the difference to the row above is the fsyncs (file and directory, per output)"
fi
# Where the instructions of one `fwup create` and one `fwup sign` go
# (callgrind, whole process). cg_incl FILE FUNC: inclusive count of FUNC.
cg_incl() {
    callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
        awk -v f="$2" 'index($0, ":" f " ") && !done { gsub(",", "", $1); print $1; done = 1 }'
}
cg_m() { awk -v n="${1:-0}" 'BEGIN { printf "%.1f M", n / 1e6 }'; }
valgrind --tool=callgrind --callgrind-out-file="$D/create.cg" "$FWUP" create "$V/example0.json" \
    -o "$D/cg-u0.suit" >/dev/null 2>&1
valgrind --tool=callgrind --callgrind-out-file="$D/sign.cg" "$FWUP" sign "$D/u0.suit" -k "$KEY" \
    -o "$D/cg-signed.suit" >/dev/null 2>&1
valgrind --tool=callgrind --callgrind-out-file="$D/version.cg" "$FWUP" --version >/dev/null 2>&1
create_total=$(awk '/^(summary|totals):/ { print $2 }' "$D/create.cg")
sign_total=$(awk '/^(summary|totals):/ { print $2 }' "$D/sign.cg")
version_total=$(awk '/^(summary|totals):/ { print $2 }' "$D/version.cg")
row "instructions of one \`fwup create\` / \`fwup sign\` (example 0, whole process, callgrind)" \
    "$(cg_m "$create_total") / $(cg_m "$sign_total")" \
    "\`fwup --version\`: $(cg_m "$version_total") (dynamic loader $(cg_m "$(cg_incl "$D/version.cg" _dl_start)")); create: first digest $(cg_m "$(cg_incl "$D/create.cg" fwup_uuid5)"); sign: open the key $(cg_m "$(cg_incl "$D/sign.cg" fwup_signer_open)"), parse + sign + verify $(cg_m "$(cg_incl "$D/sign.cg" fwup_cose_sign_envelope)")" \
    "OpenSSL 3's first fetch (provider, name map, method store) is in the first digest / key open"

# ---- 2. batch signing ------------------------------------------------------
log "batch signing: 100 envelopes"
mkdir -p "$D/batch-in" "$D/batch-out"
for k in $(seq 0 99); do
    cp "$D/u$((k % 6)).suit" "$D/batch-in/env$(printf %03d "$k").suit"
done
measure -n "$BATCHRUNS" -- "$FWUP" sign "$D"/batch-in/*.suit -k "$KEY" --out-dir "$D/batch-out"
batch=$median_ms batch_cpu=$cpu_ms batch_rss=$maxrss_kib
measure -n "$RUNS" -- "$FWUP" sign "$D/batch-in/env000.suit" -k "$KEY" -o "$D/one.suit"
one=$median_ms one_cpu=$cpu_ms
row "batch signing, per envelope: \`fwup sign 100 x .suit --out-dir\` (one key load)" \
    "$(awk -v b="$batch" 'BEGIN{printf "%.2f", b/100}') ms wall, CPU $(awk -v b="$batch_cpu" 'BEGIN{printf "%.2f", b/100}') ms (whole batch $(ms "$batch") ms, peak RSS $(mib "$batch_rss") MiB)" \
    "one process per envelope: $(ms "$one") ms wall, CPU $(ms "$one_cpu") ms" \
    "$(ratio "$one" "$(awk -v b="$batch" 'BEGIN{print b/100}')")x faster per envelope"

# ---- 3. large payloads against openssl dgst --------------------------------
log "large payloads: ${BIG_MIB} MiB (create: ${CREATE_MIB} MiB)"
mkbig() { # mkbig FILE MIB: random bytes, then warm the page cache
    head -c $(($2 * 1024 * 1024)) /dev/urandom >"$1"
    cat "$1" >/dev/null
}
desc() { # desc JSON PAYLOAD_NAME
    cat >"$1" <<EOF
{
  "sequence-number": 1,
  "identity": { "vendor-domain": "fwup.example", "model": "bench" },
  "components": [
    { "id": ["app"], "image": { "file": "$2" },
      "uri": "https://updates.example/$2", "invoke": true }
  ]
}
EOF
}
mkbig "$D/big.bin" "$BIG_MIB"
desc "$D/big.json" big.bin
"$FWUP" create "$D/big.json" -o "$D/big-u.suit"
"$FWUP" sign "$D/big-u.suit" -k "$KEY" -o "$D/big.suit" 2>/dev/null
# interleave the two, so that both see the same machine state
vw=() ow=() vrss=0 orss=0
for _ in $(seq 1 "$BIGRUNS"); do
    measure -n 1 -w 0 -- openssl dgst -sha256 "$D/big.bin"
    ow+=("$median_ms"); [ "$maxrss_kib" -gt "$orss" ] && orss=$maxrss_kib
    measure -n 1 -w 0 -- "$FWUP" verify "$D/big.suit" -t "$PUB" --payload "$D/big.bin"
    vw+=("$median_ms"); [ "$maxrss_kib" -gt "$vrss" ] && vrss=$maxrss_kib
done
med() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
vmed=$(med "${vw[@]}") omed=$(med "${ow[@]}")
row "\`fwup verify --payload\` on a ${BIG_MIB} MiB image (SHA-256)" \
    "$(ms "$vmed") ms, peak RSS $(mib "$vrss") MiB" \
    "\`openssl dgst -sha256\`: $(ms "$omed") ms, peak RSS $(mib "$orss") MiB" \
    "ratio $(ratio "$vmed" "$omed") (median of $BIGRUNS, interleaved)"

if [ "$CREATE_MIB" != "$BIG_MIB" ]; then
    rm -f "$D/big.bin"
    mkbig "$D/create.bin" "$CREATE_MIB"
else
    mv "$D/big.bin" "$D/create.bin"
fi
desc "$D/create.json" create.bin
cw=() ow=() crss=0 orss=0
for _ in $(seq 1 "$BIGRUNS"); do
    measure -n 1 -w 0 -- openssl dgst -sha256 "$D/create.bin"
    ow+=("$median_ms"); [ "$maxrss_kib" -gt "$orss" ] && orss=$maxrss_kib
    measure -n 1 -w 0 -- "$FWUP" create "$D/create.json" -o "$D/create.suit"
    cw+=("$median_ms"); [ "$maxrss_kib" -gt "$crss" ] && crss=$maxrss_kib
done
cmed=$(med "${cw[@]}") omed=$(med "${ow[@]}")
rm -f "$D/create.bin"
mkbig "$D/small.bin" 16
desc "$D/small.json" small.bin
measure -n 3 -- "$FWUP" create "$D/small.json" -o "$D/small.suit"
row "\`fwup create\` with a ${CREATE_MIB} MiB image" \
    "$(ms "$cmed") ms, peak RSS $(mib "$crss") MiB (16 MiB image: $(mib "$maxrss_kib") MiB)" \
    "\`openssl dgst -sha256\`: $(ms "$omed") ms" \
    "ratio $(ratio "$cmed" "$omed"); RSS independent of image size"

# ---- 4. instructions in the verifier (callgrind) ---------------------------
log "callgrind: the verifier on each draft example"
# shellcheck disable=SC2016 # an awk program
CGSUM='
/^fn=/ { fn = substr($0, 4) }
/^cfn=/ { cfn = substr($0, 5) }
/^calls=/ { getline c; n = split(c, a, " ");
  if (cfn ~ /^port_/ && fn !~ /^port_/) crypto += a[n];
  if (cfn ~ /^plat_/ && fn !~ /^plat_/) plat += a[n]; next }
/^(summary|totals):/ { total = $2 }
END { printf "total=%d crypto=%d plat=%d logic=%d\n", total, crypto, plat, total - crypto - plat }'
cg() { # cg BINARY N [map]: sets total crypto plat logic
    # LD_BIND_NOW: the dynamic linker's lazy binding of libc calls made
    # from inside vc_run is the loader's work, not the verifier's.
    LD_BIND_NOW=1 valgrind --tool=callgrind --compress-strings=no --compress-pos=no \
        --callgrind-out-file="$D/cg.out" --toggle-collect=vc_run "$1" "$ROOT/tests/vectors" "$2" ${3:-} \
        >"$D/cg.txt" 2>&1 || { cat "$D/cg.txt" >&2; echo "bench: vcount $2 failed" >&2; exit 1; }
    eval "$(awk "$CGSUM" "$D/cg.out")"
}
kfmt() { awk -v n="$1" 'BEGIN { printf "%.1f k", n / 1000 }'; }
logic_cells="" crypto_cells="" plat_cells="" c4k_cells="" map_cells=""
for i in 0 1 2 3 4 5; do
    cg "$B/bench/vcount" "$i" map
    map_cells+="${map_cells:+ / }$(kfmt "$logic")"
    [ "$i" = 0 ] && ex0_map=$logic
    cg "$B/bench/vcount" "$i"
    logic_cells+="${logic_cells:+ / }$(kfmt "$logic")"
    crypto_cells+="${crypto_cells:+ / }$(kfmt "$crypto")"
    plat_cells+="${plat_cells:+ / }$(kfmt "$plat")"
    [ "$i" = 0 ] && ex0_logic=$logic
    cg "$B/bench/vcount-c4k" "$i"
    c4k_cells+="${c4k_cells:+ / }$(kfmt "$logic")"
done
row "verifier instructions, draft examples 0-5: SUIT logic (parse, authenticate, decode, process), components memory-mapped (view hook)" \
    "$map_cells" "" \
    "x86-64, gcc -O2; example 0 target <= 10 k (libcsuit ~28 k, RIOT ~85 k): $(kfmt "$ex0_map")"
row "the same, components read back through the read hook in 128-byte chunks (FWUP_V_CHUNK)" \
    "$logic_cells" "crypto port: $crypto_cells; platform hooks: $plat_cells" \
    "example 0: $(kfmt "$ex0_logic"); the chunk loop runs once per 128 bytes of the 34-77 KB images"
row "the same with a 4 KiB chunk buffer (-DFWUP_V_CHUNK=4096)" "$c4k_cells" "" \
    "image-match streams the examples' images chunk by chunk"

# ---- 5. Cortex-M4 ----------------------------------------------------------
log "Cortex-M4 report (scripts/cortexm-report.sh)"
if bash scripts/cortexm-report.sh "$B/cortexm" >"$D/cm.txt" 2>&1; then
    read -r cm_text cm_data cm_bss < <(awk '/^verifier total/ { print $(NF-2), $(NF-1), $NF }' "$D/cm.txt")
    elf=$(awk '/verifier\.elf$/ { print $1 "/" $2 "/" $3 }' "$D/cm.txt")
    stack=$(awk '/^== 4\./ { s = 1; next } /^== / { s = 0 } s && $1 ~ /^[0-9]+$/ && $1 > m { m = $1; f = $2 } END { print m " B (" f ")" }' "$D/cm.txt")
    vstack=$(awk '/^== 4\./ { s = 1; next } /^== / { s = 0 } s && $2 == "fwup_verifier_verify" { print $1 }' "$D/cm.txt")
    ctx=$(awk '$2 == "struct" && $3 == "fwup_verifier" { print $1 }' "$D/cm.txt")
    pctx=$(awk '$2 == "struct" && $3 == "fwup_v_processor" { print $1 }' "$D/cm.txt")
    row "lib/verifier on Cortex-M4 (arm-none-eabi-gcc -Os, public API only, --gc-sections)" \
        "text $cm_text B, data $cm_data B, bss $cm_bss B (ELF with root table: text/data/bss $elf)" \
        "worst-case stack $stack; fwup_verifier_verify $vstack B (crypto port frames excluded)" \
        "sizeof fwup_verifier $ctx B, fwup_v_processor $pctx B"
else
    row "lib/verifier on Cortex-M4" "scripts/cortexm-report.sh failed: $(tail -1 "$D/cm.txt")" "" ""
fi

# ---- 6. power cut and wear (device-sim) ------------------------------------
log "power-cut sweeps (tests/sim, fwup-sim)"
simrun() { # simrun TEST: prints the test's own figures
    FWUP=$FWUP FWUP_SIM=$SIM VECTORS=$ROOT/tests/vectors SRCDIR=$ROOT SIMTESTS=$ROOT/tests/sim \
        bash "tests/sim/$1.sh" 2>&1 | grep -E 'power cut:|wear after|^[0-9]+ passed, [0-9]+ failed' || true
}
inst=$(simrun t0002-sim-powercut-install)
rev=$(simrun t0003-sim-powercut-revert)
wear=$(simrun t0006-sim-wear)
fmt_cut() { printf '%s' "$1" | grep 'power cut:' | sed 's/^ *//' | paste -sd ';' | sed 's/;/; /g'; }
row "power cut during install and first boot (every flash operation)" "$(fmt_cut "$inst")" \
    "checks: $(printf '%s' "$inst" | grep -E '^[0-9]+ passed' | tail -1)" "tests/sim/t0002"
row "power cut during a revert" "$(fmt_cut "$rev")" \
    "checks: $(printf '%s' "$rev" | grep -E '^[0-9]+ passed' | tail -1)" "tests/sim/t0003"
row "flash wear" "$(printf '%s' "$wear" | grep 'wear after' | sed 's/^ *//')" \
    "checks: $(printf '%s' "$wear" | grep -E '^[0-9]+ passed' | tail -1)" "tests/sim/t0006"

# ---- the table -------------------------------------------------------------
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
{
    echo "## fwup benchmarks ($([ "$QUICK" = 1 ] && echo quick || echo full) run)"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' + uncommitted changes'), $(nproc) cores, $(uname -m), load average $LOAD0 at start, $LOAD1 at end; release build ($B, gcc -O2)."
    echo
    echo "| measurement | fwup | reference (same run) | note |"
    echo "|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "Wall times are medians of whole processes (fork to exit, bench/measure.c);"
    echo "CPU is user + system time of the process. Instruction counts: callgrind,"
    echo "bench/vcount.c. How each row is measured: bench/README.md."
} >"$OUT/results.md"
cat "$OUT/results.md"
