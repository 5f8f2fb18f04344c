#!/usr/bin/env python3
"""Regenerate the demo firmware images firmware-v1.bin and firmware-v2.bin.

The images are fake but deterministic: a 32-byte header (magic, version,
length) followed by bytes from a fixed linear congruential generator, so the
same script always writes the same files (their digests are in the docs and
tests). Run from this directory: ./gen-images.py
"""
import struct

def image(version, size):
    body = bytearray()
    x = 0x5eed0000 + version
    while len(body) < size - 32:
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        body.append(x >> 24)
    header = struct.pack("<8sII16x", b"FWUPDEMO", version, size)
    return header + bytes(body)

for v, size in ((1, 4096), (2, 6144)):
    with open(f"firmware-v{v}.bin", "wb") as f:
        f.write(image(v, size))
