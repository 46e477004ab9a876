"""pcaplib.py - what the capture generators share (testdata/craft,
testdata/handmade, testdata/zeekcases, bench/gen_capture.py): the Internet
checksum and addresses as bytes."""
import struct


def csum(data):
    """RFC 1071 one's-complement checksum of data (padded to 16 bits)."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip_bytes(a):
    """An IPv4 dotted quad or an IPv6 address (with at most one '::') as bytes."""
    if ":" in a:
        head, _, tail = a.partition("::")
        h = [int(x, 16) for x in head.split(":") if x]
        t = [int(x, 16) for x in tail.split(":") if x]
        words = h + [0] * (8 - len(h) - len(t)) + t
        return struct.pack("!8H", *words)
    return bytes(int(x) for x in a.split("."))
