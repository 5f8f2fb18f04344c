#!/bin/bash
# --payload: image-digest and image-size of a component, streamed.
. "$(dirname "$0")/../lib.sh"
K=$VECTORS/keys
E=$VECTORS/encryption

# suit-manifest-aes-kw: c1 image-size 46 (no digest) -> no image-digest
expect_exit 3 "$FWUP" verify "$E/suit-manifest-aes-kw.suit" --hmac-key "$K/hmac256-secret.bin" --payload "1=$E/encrypted-payload-aes-kw-aes-gcm.bin"
expect_err "the manifest sets no image-digest for component 1 \(payload\[1\]\) \[FWUP_E_SUIT_MISSING\]"
# example0: c0 digest 00112233..., size 34768: a wrong image of the right size is a forgery
head -c 34768 /dev/zero >"$T/img.bin"
expect_exit 1 "$FWUP" verify "$VECTORS/draft37/example0.suit" -t "$K/key-a-pub.pem" --payload "$T/img.bin"
expect_err "img.bin': image digest mismatch for component 0 \(payload\[0\]\) \[FWUP_E_IMAGE_DIGEST\]"
head -c 100 /dev/zero >"$T/short.bin"
expect_exit 1 "$FWUP" verify "$VECTORS/draft37/example0.suit" -t "$K/key-a-pub.pem" --payload "0=$T/short.bin"
expect_err "\[FWUP_E_IMAGE_SIZE\]"
expect_exit 4 "$FWUP" verify "$VECTORS/draft37/example0.suit" -t "$K/key-a-pub.pem" --payload "$T/none.bin"
expect_err "none.bin'.*\[FWUP_E_IO_OPEN\]"
expect_exit 3 "$FWUP" verify "$VECTORS/draft37/example0.suit" -t "$K/key-a-pub.pem" --payload "5=$T/img.bin"
expect_err "\[FWUP_E_SUIT_COMPONENT\]"
# A matching image: an HMAC-authenticated envelope made here whose shared
# sequence sets image-digest and image-size of component 0 for fw.bin.
python3 - "$T" "$K/hmac256-secret.bin" <<'PY'
import hashlib, hmac, sys
t, secret = sys.argv[1], open(sys.argv[2], "rb").read()
def head(major, n):
    if n < 24: return bytes([major << 5 | n])
    if n < 256: return bytes([major << 5 | 24, n])
    return bytes([major << 5 | 25, n >> 8, n & 255])
def bstr(b): return head(2, len(b)) + b
img = b"hello firmware\n" * 100
open(t + "/fw.bin", "wb").write(img)
open(t + "/fw-bad.bin", "wb").write(img[:-1] + b"X")
digest = bytes([0x82, 0x2f]) + bstr(hashlib.sha256(img).digest())
params = bytes([0xa2, 0x03]) + bstr(digest) + bytes([0x0e]) + head(0, len(img))
shared = bytes([0x82, 0x14]) + params
common = bytes([0xa2, 0x02, 0x81, 0x81, 0x41, 0x00, 0x04]) + bstr(shared)
man = bytes([0xa3, 0x01, 0x01, 0x02, 0x01, 0x03]) + bstr(common)
mitem = bstr(man)
d = bytes([0x82, 0x2f]) + bstr(hashlib.sha256(mitem).digest())
tbs = bytes([0x84, 0x64]) + b"MAC0" + bytes([0x43, 0xa1, 0x01, 0x05, 0x40]) + bstr(d)
mac0 = bytes([0xd1, 0x84, 0x43, 0xa1, 0x01, 0x05, 0xa0, 0xf6]) + bstr(hmac.new(secret, tbs, hashlib.sha256).digest())
wrap = bytes([0x82]) + bstr(d) + bstr(mac0)
env = bytes([0xd8, 0x6b, 0xa2, 0x02]) + bstr(wrap) + bytes([0x03]) + mitem
open(t + "/fw.suit", "wb").write(env)
PY
expect_exit 0 "$FWUP" verify "$T/fw.suit" --hmac-key "$K/hmac256-secret.bin" --payload "$T/fw.bin"
expect_out "^payload 0 '.*fw.bin': image-digest ok$"
expect_exit 0 "$FWUP" verify --json "$T/fw.suit" --hmac-key "$K/hmac256-secret.bin" --payload "0=$T/fw.bin"
expect_out '"ok": true'
# forgery: one byte of the image changed, same size
expect_exit 1 "$FWUP" verify "$T/fw.suit" --hmac-key "$K/hmac256-secret.bin" --payload "$T/fw-bad.bin"
expect_err "\[FWUP_E_IMAGE_DIGEST\]"
done_testing
