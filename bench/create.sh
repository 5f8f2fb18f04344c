#!/bin/bash
# Benchmark: `fwup create` on a large payload (default 1 GiB) against
# `openssl dgst -sha256` on the same file. Both read the whole file once;
# fwup should be as fast as the raw hash and use a small, size-independent
# amount of memory (the image is streamed in 64 KiB chunks, never loaded).
#
#   bench/create.sh [FWUP] [SIZE_MIB]     (defaults: build/cli/fwup, 1024)
#
# Prints wall time and peak RSS of each (from /usr/bin/time -v when present,
# else bash's `time` without RSS). Nothing here is asserted: timings depend on
# the machine; see the figures quoted in the authoring report / docs.
set -eu
FWUP=${1:-build/cli/fwup}
MIB=${2:-1024}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/fwup-bench.XXXXXX")
trap 'rm -rf "$DIR"' EXIT

echo "generating ${MIB} MiB payload in $DIR ..."
head -c $((MIB * 1024 * 1024)) /dev/urandom >"$DIR/payload.bin"
cat >"$DIR/release.json" <<EOF2
{
  "sequence-number": 1,
  "identity": { "vendor-domain": "fwup.example", "model": "bench" },
  "components": [
    { "id": ["app"], "image": { "file": "payload.bin" },
      "uri": "https://updates.example/payload.bin", "invoke": true }
  ]
}
EOF2
# Warm the page cache so both runs measure hashing, not the disk.
cat "$DIR/payload.bin" >/dev/null

run() {
    label=$1; shift
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -v "$@" 2>"$DIR/time.txt" >/dev/null
        wall=$(sed -n 's/.*Elapsed (wall clock) time.*: //p' "$DIR/time.txt")
        rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$DIR/time.txt")
        printf '%-22s wall %-10s peak RSS %s KiB\n' "$label" "$wall" "$rss"
    else
        s=$(date +%s.%N)
        "$@" >/dev/null
        e=$(date +%s.%N)
        printf '%-22s wall %.2f s (no /usr/bin/time: RSS not measured)\n' "$label" \
            "$(echo "$e - $s" | bc)"
    fi
}

for i in 1 2; do
    run "openssl dgst -sha256" openssl dgst -sha256 "$DIR/payload.bin"
    run "fwup create" "$FWUP" create "$DIR/release.json" -o "$DIR/out.suit"
done
ls -l "$DIR/out.suit" | awk '{print "envelope size:", $5, "bytes"}'
