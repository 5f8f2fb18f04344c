#!/usr/bin/env bash
# scripts/verifier-size.sh [OUTDIR]     (default build-verifier-size)
#
# The code-size budget of the embedded verifier (docs/verify.md): each
# lib/verifier/*.c is cross-built for a Cortex-M4 and linked with
# --gc-sections into a small program that calls
#   verify   fwup_verifier_init + fwup_verifier_verify  (decode + authenticate)
#   inspect  the same, plus fwup_verifier_parse + fwup_verifier_inspect
#   process  the same as verify, plus fwup_v_process
# through a dummy crypto port. For each ELF it prints arm-none-eabi-size and
# what every verifier object keeps (.text + .rodata from the link map): main,
# the dummy port and libc (memcpy & co) are not counted. The budget: verify
# <= 6144 bytes. scripts/cortexm-report.sh gives the whole public API, the
# context size and the worst-case stack. FWUP_V_CFLAGS (environment) adds
# flags to every file, for a device profile (as in cortexm-report.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build-verifier-size}
CC=arm-none-eabi-gcc
command -v "$CC" >/dev/null || { echo "verifier-size: $CC not found" >&2; exit 2; }
CFLAGS=(-mcpu=cortex-m4 -mthumb -Os -std=c99 -ffunction-sections -fdata-sections -ffreestanding
        -fstack-usage -Ilib/include)
# shellcheck disable=SC2206 # word splitting wanted: a list of flags
CFLAGS+=(${FWUP_V_CFLAGS:-})
rm -rf "$out"
mkdir -p "$out"
cat >"$out/main.c" <<'C'
#include "fwup/verifier.h"
#ifdef WITH_PROCESS
#include "fwup/processor.h"
static struct fwup_v_processor proc;
static const struct fwup_v_platform plat;
#endif
static enum fwup_err hi(void *c, int32_t a) { (void)c; (void)a; return FWUP_OK; }
static enum fwup_err hu(void *c, const uint8_t *d, size_t l) { (void)c; (void)d; (void)l; return FWUP_OK; }
static enum fwup_err hf(void *c, uint8_t *o, size_t cap, size_t *ol) { (void)c; (void)o; (void)cap; *ol = 32; return FWUP_OK; }
static enum fwup_err sv(void *c, int32_t a, const struct fwup_v_key *k, struct fwup_bytes m, struct fwup_bytes s) { (void)c; (void)a; (void)k; (void)m; (void)s; return FWUP_OK; }
static enum fwup_err mc(void *c, int32_t a, const struct fwup_v_key *k, struct fwup_bytes m, uint8_t o[32]) { (void)c; (void)a; (void)k; (void)m; (void)o; return FWUP_OK; }
static const struct fwup_v_crypto port = {0, hi, hu, hf, sv, mc};
static struct fwup_verifier v;
extern const uint8_t envelope[64];
const uint8_t envelope[64] = {0};
static const struct fwup_v_policy pol;
int main(void);
int main(void)
{
    enum fwup_err e;
    fwup_verifier_init(&v, &port);
    e = fwup_verifier_verify(&v, envelope, sizeof envelope, &pol);
#ifdef WITH_INSPECT
    {
        static struct fwup_verifier w;
        fwup_verifier_init(&w, &port);
        if (fwup_verifier_parse(&w, envelope, sizeof envelope) == FWUP_OK)
            e = fwup_verifier_inspect(&w);
    }
#endif
#ifdef WITH_PROCESS
    {
        struct fwup_v_diag dg;
        if (e == FWUP_OK)
            e = fwup_v_process(&v, (enum fwup_v_procedure)0, &plat, &proc, &dg);
    }
#endif
    return (int)e;
}
C
objs=()
for s in lib/verifier/*.c; do
    o="$out/$(basename "$s" .c).o"
    "$CC" "${CFLAGS[@]}" -c "$s" -o "$o"
    objs+=("$o")
done
echo "== objects before --gc-sections"
arm-none-eabi-size -t "${objs[@]}" | sed "s|$out/||"
for m in verify inspect process; do
    d=()
    [ "$m" = inspect ] && d=(-DWITH_INSPECT)
    [ "$m" = process ] && d=(-DWITH_PROCESS)
    if ! "$CC" "${CFLAGS[@]}" "${d[@]}" -c "$out/main.c" -o "$out/main_$m.o" 2>"$out/cc_$m.log"; then
        echo "== $m: main does not build (processor API changed?):"; cat "$out/cc_$m.log"; continue
    fi
    "$CC" -mcpu=cortex-m4 -mthumb -Wl,--gc-sections --specs=nano.specs --specs=nosys.specs \
        -Wl,-Map="$out/$m.map" "$out/main_$m.o" "${objs[@]}" -o "$out/$m.elf"
    echo
    echo "== $m.elf"
    arm-none-eabi-size "$out/$m.elf" | sed "s|$out/||"
    python3 - "$out/$m.map" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().split("Linker script and memory map", 1)[1].splitlines()
kept = {}
pend = None
for l in lines:
    m = re.match(r"^ (\.[\w.]+)\s*$", l)
    if m:
        pend = m[1]
        continue
    m = re.match(r"^ (\.[\w.]+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)$", l)
    if m and (m[1] or pend):
        sec, size, name = m[1] or pend, int(m[3], 16), m[4].split("/")[-1]
        pend = None
        if not name.endswith(".o") or name.startswith("main_") or "(" in name:
            continue
        kind = "text" if sec.startswith(".text") else "ro" if sec.startswith(".rodata") else None
        if kind and size:
            k = kept.setdefault(name, {"text": 0, "ro": 0})
            k[kind] += size
    else:
        pend = None
ours = {n: v for n, v in kept.items() if not n.startswith(("crt", "lib_a"))}
for n in sorted(ours):
    print(f"  {n:<14}{ours[n]['text']:>6} text {ours[n]['ro']:>4} rodata")
t, r = sum(v["text"] for v in ours.values()), sum(v["ro"] for v in ours.values())
print(f"  verifier kept: .text {t} + .rodata {r} = {t + r} bytes")
PY
done
