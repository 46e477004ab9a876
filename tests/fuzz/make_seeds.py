#!/usr/bin/env python3
"""make_seeds.py DIR - seed inputs for the fuzz targets, from the captures in
testdata/ (and ../shared/corpus/ when present): whole files for fuzz_pipeline
and fuzz_reader,
single frames prefixed by a link-type selector for fuzz_decode, and a normal
connection's segments in fuzz_flow's record format."""
import os
import struct
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SELECT = {1: 0, 113: 1, 276: 2, 12: 3, 14: 4, 101: 5, 228: 6, 229: 7, 0: 8, 108: 9}


def captures():
    for top in (os.path.join(ROOT, "testdata"), os.path.join(ROOT, "..", "shared", "corpus")):
        for d, _, files in os.walk(top):
            for f in sorted(files):
                if f.endswith((".pcap", ".pcapng", ".cap")):
                    yield os.path.join(d, f)


def byte_order(data):
    """struct's byte order of a classic pcap file image, or None."""
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        return "<"
    if magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        return ">"
    return None


def frames(path):
    """Frames of a classic pcap file (pcapng files are skipped here)."""
    data = open(path, "rb").read()
    if len(data) < 24:
        return
    e = byte_order(data)
    if not e:
        return
    dlt = struct.unpack(e + "I", data[20:24])[0] & 0xFFFF
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if dlt in SELECT:
            yield SELECT[dlt], frame


def head(path, limit):
    """The first records of a classic pcap file that fit in limit bytes (a
    large capture's beginning: the SYN floods' first few hundred SYNs), or
    None for other files."""
    data = open(path, "rb").read(limit + 65536)
    e = byte_order(data)
    if not e:
        return None
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        if off + 16 + incl > limit:
            break
        off += 16 + incl
    return data[:off] if off > 24 else None


def as_pcapng(data, ifaces=1):
    """A classic pcap file image as pcapng (a section, ifaces interfaces
    alike, an Enhanced Packet Block a record, on each interface in turn),
    for seeds of the pcapng walker; None for other files."""
    if len(data) < 24:
        return None
    e = byte_order(data)
    if not e:
        return None
    nano = data[:4] in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    snaplen, dlt = struct.unpack(e + "II", data[16:24])

    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        total = 12 + len(body)
        return struct.pack(e + "II", btype, total) + body + struct.pack(e + "I", total)

    out = block(0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1))
    opts = struct.pack(e + "HHB3x", 9, 1, 9 if nano else 6) + struct.pack(e + "HH", 0, 0)
    for _ in range(ifaces):
        out += block(1, struct.pack(e + "HHI", dlt & 0xFFFF, 0, snaplen) + opts)
    off = 24
    k = 0
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        t = sec * (10**9 if nano else 10**6) + frac
        out += block(6, struct.pack(e + "IIIII", k % ifaces, t >> 32, t & 0xFFFFFFFF, incl,
                                    orig) + data[off + 16:off + 16 + incl])
        off += 16 + incl
        k += 1
    return out


def whole(out, n, data):
    """A whole-file seed, for both targets that read files."""
    for t in ("fuzz_pipeline", "fuzz_reader"):
        with open(os.path.join(out, t, "seed%04d" % n), "wb") as f:
            f.write(data)


def main():
    out = sys.argv[1]
    for t in ("fuzz_pipeline", "fuzz_decode", "fuzz_flow", "fuzz_reader"):
        os.makedirs(os.path.join(out, t), exist_ok=True)
    n = 0
    for path in captures():
        if os.path.getsize(path) > 256 * 1024:
            seed = head(path, 60 * 1024)
            if seed:
                n += 1
                whole(out, n, seed)
            continue
        n += 1
        data = open(path, "rb").read()
        whole(out, n, data)
        ng = as_pcapng(data, 1 + (n // 2) % 2)
        if ng:
            n += 1
            whole(out, n, ng)
        for i, (sel, frame) in enumerate(frames(path)):
            if i >= 20:
                break
            with open(os.path.join(out, "fuzz_decode", "seed%04d_%02d" % (n, i)), "wb") as f:
                f.write(bytes([sel]) + frame)
    # fuzz_flow records: dir|port, flags, seq offset, ack offset, len, time
    def rec(frm, flags, seq, ack, ln, dt):
        return struct.pack(">BBHHBBB", frm, flags, seq + 16, ack + 16, ln, dt, 0)
    normal = (rec(0, 0x02, 0, 0, 0, 1) + rec(1, 0x12, 0, 1, 0, 1) + rec(0, 0x10, 1, 1, 0, 1) +
              rec(0, 0x18, 1, 1, 10, 1) + rec(1, 0x10, 1, 11, 0, 1) + rec(0, 0x11, 11, 1, 0, 1) +
              rec(1, 0x11, 1, 12, 0, 1) + rec(0, 0x10, 12, 2, 0, 1))
    with open(os.path.join(out, "fuzz_flow", "normal"), "wb") as f:
        f.write(normal)


if __name__ == "__main__":
    main()
