# Shared setup for the fwup-sim tests (sourced after tests/cli/lib.sh).
# Envelopes come from mkenv.py (test-only builder, independent of fwup's own
# authoring code), signed by KEY-A (role author) and KEY-B (role operator).
: "${FWUP_SIM:?run through meson test}"
: "${SIMTESTS:?}"
command -v jq >/dev/null 2>&1 || { echo "SKIP: jq not installed"; exit 77; }
python3 -c 'import cryptography' 2>/dev/null || { echo "SKIP: python3-cryptography missing"; exit 77; }

KEYS=$VECTORS/keys
uuid5() { python3 -c "import uuid,sys; print(uuid.uuid5(uuid.UUID(sys.argv[1]), sys.argv[2]))" "$1" "$2"; }
VENDOR=$(uuid5 6ba7b810-9dad-11d1-80b4-00c04fd430c8 example.com)
CLASS=$(uuid5 "$VENDOR" sim-board)
DEVICE=2b1e9a7c-51e8-4a9e-9d0e-7f3c5a1b2c3d
P=$T/payloads
mkdir -p "$P"

# Deterministic pseudo-random payload: gen_payload FILE SIZE SEED [MARKER]
gen_payload() {
    python3 - "$@" <<'PY'
import hashlib, sys
path, size, seed = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
out, i = bytearray(), 0
while len(out) < size:
    out += hashlib.sha256(seed + i.to_bytes(4, "big")).digest(); i += 1
out = out[:size]
if len(sys.argv) > 4:                     # the simulated health-check failure marker
    m = sys.argv[4].encode(); out[100:100 + len(m)] = m
open(path, "wb").write(out)
PY
}

cat >"$T/layout.json" <<'JSON'
{
  "flash": {"size": 262144, "sector_size": 4096, "write_size": 8, "page_size": 256},
  "partitions": {
    "bootloader": {"offset": 0, "size": 16384},
    "slot_a": {"offset": 16384, "size": 118784},
    "slot_b": {"offset": 135168, "size": 118784},
    "state": {"offset": 253952, "size": 8192}
  },
  "component": [{"hex": "00"}],
  "trial_boots": 1
}
JSON
cat >"$T/policy.json" <<JSON
{
  "anchors": [
    {"role": "author", "key": "$KEYS/key-a-pub.pem"},
    {"role": "operator", "key": "$KEYS/key-b-pub.pem"}
  ],
  "require": ["author", "operator"],
  "min_signers": 2,
  "strict": false
}
JSON

gen_payload "$P/fw1.bin" 10000 one
gen_payload "$P/fw2.bin" 14000 two
gen_payload "$P/fw3.bin" 12000 three
gen_payload "$P/bad.bin" 12000 bad "FWUP-SIM:FAIL-HEALTH"

# mkenv OUT SEQ PAYLOAD [extra mkenv options...]: author + operator signed
mkenv() {
    out=$1 seq=$2 pl=$3; shift 3
    python3 "$SIMTESTS/mkenv.py" -o "$out" --seq "$seq" --vendor "$VENDOR" --class "$CLASS" \
        --payload "$P/$pl" -k "$KEYS/key-a-priv.pem" -k "$KEYS/key-b-priv.pem" "$@" ||
        { echo "mkenv failed" >&2; exit 1; }
}
mkenv "$T/v1.suit" 1 fw1.bin
mkenv "$T/v2.suit" 2 fw2.bin
mkenv "$T/v3.suit" 3 fw3.bin

# new_device DIR [init options]: a provisioned device
new_device() {
    d=$1; shift
    "$FWUP_SIM" init "$d" --layout "$T/layout.json" --policy "$T/policy.json" \
        --vendor-domain example.com --model sim-board "$@" >/dev/null ||
        { echo "init failed" >&2; exit 1; }
}

# sim ARGS...: run fwup-sim quietly, return its status (never piped)
sim() { "$FWUP_SIM" "$@" >"$T/out" 2>"$T/err"; }

# boot_json DIR: boot with --json into $T/boot.json; sets BOOT_RC, BOOT_SEQ, BOOT_OUTCOME
boot_json() {
    "$FWUP_SIM" boot "$1" --json >"$T/boot.json" 2>"$T/err"
    BOOT_RC=$?
    BOOT_SEQ=$(jq -r '.sequence' "$T/boot.json" 2>/dev/null)
    BOOT_OUTCOME=$(jq -r '.outcome' "$T/boot.json" 2>/dev/null)
}

anti_rollback() { "$FWUP_SIM" status "$1" --json | jq -r '.anti_rollback'; }
