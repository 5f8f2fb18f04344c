#!/usr/bin/env python3
"""Independent check of fwup's encryption output (python3-cbor2 + python3-cryptography).

Nothing here shares code with fwup: the SUIT_Encryption_Info (COSE_Encrypt,
tag 96) is decoded with cbor2, the CEK unwrapped (RFC 3394 via cryptography's
aes_key_unwrap; ECDH-ES+A128KW: ECDH x-coordinate -> HKDF-SHA-256 with the
COSE_KDF_Context of draft-ietf-suit-firmware-encryption §5.2.4) and the
ciphertext decrypted (A128GCM with AAD = ["Encrypt", protected, h''];
A128CTR with the IV as the initial counter block).

usage: enc_check.py INFO CIPHERTEXT (--kek FILE | --device-key PEM) [--kid KID]
                    --expect PLAINTEXT [--alg ID] [--recipients N]
Exit 0 when the ciphertext decrypts to exactly PLAINTEXT with one of the
recipients (the one named by --kid, if given).
"""
import argparse
import sys

import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, InvalidUnwrap


def die(msg):
    print("enc_check: " + msg, file=sys.stderr)
    sys.exit(1)


def hdr(protected, unprotected):
    h = dict(unprotected)
    if protected:
        h.update(cbor2.loads(protected))
    return h


def kdf_context(protected):
    return cbor2.dumps([-3, [None, None, None], [None, None, None],
                        [128, protected, b"SUIT Payload Encryption"]])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("info")
    ap.add_argument("ciphertext")
    ap.add_argument("--kek")
    ap.add_argument("--device-key")
    ap.add_argument("--kid")
    ap.add_argument("--expect", required=True)
    ap.add_argument("--alg", type=int)
    ap.add_argument("--recipients", type=int)
    a = ap.parse_args()

    obj = cbor2.loads(open(a.info, "rb").read())
    if not isinstance(obj, cbor2.CBORTag) or obj.tag != 96:
        die("not a COSE_Encrypt (tag 96)")
    prot, unprot, ct_field, recips = obj.value
    if ct_field is not None:
        die("ciphertext is not detached")
    h0 = hdr(prot, unprot)
    alg = h0.get(1)
    if a.alg is not None and alg != a.alg:
        die("content alg %r, expected %d" % (alg, a.alg))
    if alg == -65534 and prot != b"":
        die("A128CTR with a non-empty protected header")
    if a.recipients is not None and len(recips) != a.recipients:
        die("%d recipients, expected %d" % (len(recips), a.recipients))
    iv = h0[5]
    ct = open(a.ciphertext, "rb").read()
    want = open(a.expect, "rb").read()

    cek = None
    for rp, ru, wrapped in recips:
        rh = hdr(rp, ru)
        if a.kid is not None and rh.get(4) != a.kid.encode():
            continue
        try:
            if rh.get(1) == -3 and a.kek:
                kek = open(a.kek, "rb").read()
            elif rh.get(1) == -29 and a.device_key:
                priv = serialization.load_pem_private_key(
                    open(a.device_key, "rb").read(), password=None)
                epk = rh[-1]
                if epk[1] != 2 or epk[-1] != 1:
                    die("ephemeral key is not EC2 P-256")
                peer = ec.EllipticCurvePublicNumbers(
                    int.from_bytes(epk[-2], "big"), int.from_bytes(epk[-3], "big"),
                    ec.SECP256R1()).public_key()
                z = priv.exchange(ec.ECDH(), peer)
                kek = HKDF(algorithm=hashes.SHA256(), length=16, salt=None,
                           info=kdf_context(rp)).derive(z)
            else:
                continue
            cek = aes_key_unwrap(kek, wrapped)
            break
        except InvalidUnwrap:
            continue
    if cek is None:
        die("no recipient unwraps with the given key")
    if alg == 1:
        aad = cbor2.dumps(["Encrypt", prot, b""])
        pt = AESGCM(cek).decrypt(iv, ct, aad)
    elif alg == -65534:
        d = Cipher(algorithms.AES(cek), modes.CTR(iv)).decryptor()
        pt = d.update(ct) + d.finalize()
    else:
        die("unexpected content alg %r" % alg)
    if pt != want:
        die("plaintext differs")
    print("ok")


if __name__ == "__main__":
    main()
