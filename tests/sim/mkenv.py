#!/usr/bin/env python3
"""Test-only SUIT envelope builder for the device-sim tests.

Independent of fwup's own authoring code (a small hand-written deterministic
CBOR encoder and python3-cryptography for ECDSA), so the simulator tests can
make exactly the manifests they need: another vendor / class / device id, any
sequence number, a fetched or an integrated payload, one or several signers.

The manifest follows draft-ietf-suit-manifest-37 example 1/0 shapes:
  shared:   override {vendor-id, class-id, image-digest, image-size
            [, device-id]}, vendor?, class? [, device?]
  install:  override {uri}, fetch, image-match?      (payload-fetch absent)
  validate: image-match?
  invoke:   invoke
Signatures: COSE_Sign1 ESP256 (-9) over the detached SUIT_Digest
(Sig_structure ["Signature1", protected, h'', payload]), one block per key.

With --staging HEX --ciphertext FILE --enc-info FILE, the [ENC] §4 shape
of the draft's aes-kw examples, plus the checks a bootable image needs:
components [image, staging], every sequence starting with set-idx;
  install:  set-idx 1, override {image-size, uri}, fetch,
            set-idx 0, override {encryption-info, source-component 1}, copy,
            image-match?
(the ciphertext is fetched into the staging component and decrypted while
copied into the image; the image digest is the plaintext's). --ct-digest
adds the ciphertext's digest to the staging component and an image-match on
it right after the fetch, before anything is decrypted.

usage: mkenv.py -o OUT --seq N --vendor UUID --class UUID [--device UUID]
                --payload FILE [--uri URI | --integrated] -k KEY.pem [-k ...]
                [--staging HEX --ciphertext FILE --enc-info FILE] [--no-image-match]
"""
import argparse
import hashlib
import sys
import uuid

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for ai, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | ai]) + n.to_bytes(size, "big")
    raise ValueError(n)


class Tag:
    def __init__(self, tag, value):
        self.tag, self.value = tag, value


def enc(v):
    if isinstance(v, bool):
        return b"\xf5" if v else b"\xf4"
    if v is None:
        return b"\xf6"
    if isinstance(v, int):
        return head(0, v) if v >= 0 else head(1, -1 - v)
    if isinstance(v, (bytes, bytearray)):
        return head(2, len(v)) + bytes(v)
    if isinstance(v, str):
        b = v.encode()
        return head(3, len(b)) + b
    if isinstance(v, list):
        return head(4, len(v)) + b"".join(enc(x) for x in v)
    if isinstance(v, dict):
        # Core deterministic encoding: keys sorted by their encoded bytes.
        items = sorted(((enc(k), enc(x)) for k, x in v.items()), key=lambda kv: kv[0])
        return head(5, len(items)) + b"".join(k + x for k, x in items)
    if isinstance(v, Tag):
        return head(6, v.tag) + enc(v.value)
    raise TypeError(type(v))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-o", required=True)
    ap.add_argument("--seq", type=int, required=True)
    ap.add_argument("--vendor", required=True)
    ap.add_argument("--class", dest="klass", required=True)
    ap.add_argument("--device")
    ap.add_argument("--component", default="00", help="hex of the single bstr element")
    ap.add_argument("--payload", required=True)
    ap.add_argument("--uri", default=None)
    ap.add_argument("--integrated", action="store_true")
    ap.add_argument("-k", "--key", action="append", default=[])
    ap.add_argument("--staging", help="hex of the staging component's single bstr element")
    ap.add_argument("--ciphertext", help="fetched into the staging component")
    ap.add_argument("--enc-info", help="SUIT_Encryption_Info of the copy into the image")
    ap.add_argument("--ct-digest", action="store_true",
                    help="image-match the ciphertext in staging before the copy ([ENC] §4.3)")
    ap.add_argument("--no-image-match", action="store_true",
                    help="no image-match in install or validate: writes an image it never checks")
    a = ap.parse_args()

    data = open(a.payload, "rb").read()
    digest = [-16, hashlib.sha256(data).digest()]
    params = {1: uuid.UUID(a.vendor).bytes, 2: uuid.UUID(a.klass).bytes,
              3: enc(digest), 14: len(data)}
    shared = [20, params, 1, 15, 2, 15]
    if a.device:
        params[24] = uuid.UUID(a.device).bytes
        shared += [24, 15]
    uri = "#firmware" if a.integrated else (a.uri or "https://example.com/" + a.payload.split("/")[-1])
    install = [20, {21: uri}, 21, 2, 3, 15]
    components = [[bytes.fromhex(a.component)]]
    if a.staging:
        ct = open(a.ciphertext, "rb").read()
        info = open(a.enc_info, "rb").read()
        ct_uri = a.uri or "https://example.com/" + a.ciphertext.split("/")[-1]
        fetch = [12, 1, 20, {14: len(ct), 21: ct_uri}, 21, 2]
        if a.ct_digest:
            fetch[3][3] = enc([-16, hashlib.sha256(ct).digest()])
            fetch += [3, 15]
        install = fetch + [12, 0, 20, {19: info, 22: 1}, 22, 2, 3, 15]
        components.append([bytes.fromhex(a.staging)])
        # With several components every sequence selects first (§6.2).
        shared = [12, 0] + shared
    validate, invoke = [3, 15], [23, 2]
    if a.no_image_match:
        assert install[-2:] == [3, 15]
        install, validate = install[:-2], []
    if a.staging:
        validate, invoke = [12, 0] + validate, [12, 0] + invoke
    manifest = {
        1: 1,
        2: a.seq,
        3: enc({2: components, 4: enc(shared)}),
        7: enc(validate),
        9: enc(invoke),
        20: enc(install),
    }
    mbytes = enc(manifest)
    # The manifest digest covers the bstr-wrapped manifest, head included.
    suit_digest = enc([-16, hashlib.sha256(enc(mbytes)).digest()])
    blocks = [suit_digest]
    for kp in a.key:
        key = serialization.load_pem_private_key(open(kp, "rb").read(), None)
        protected = enc({1: -9})
        tbs = enc(["Signature1", protected, b"", suit_digest])
        r, s = decode_dss_signature(key.sign(tbs, ec.ECDSA(hashes.SHA256())))
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        blocks.append(enc(Tag(18, [protected, {}, None, sig])))
    env = {2: enc(blocks), 3: mbytes}
    if a.integrated:
        env["#firmware"] = data
    with open(a.o, "wb") as f:
        f.write(enc(Tag(107, env)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
