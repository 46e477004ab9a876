#!/usr/bin/env python3
"""craft.py - write the small crafted captures the decoder tests read.

Every byte is laid out here by hand with struct (Python 3 standard library
only), so the captures do not depend on our own code or on any packet library.
The expected values the tests check come from tshark's reading of these files,
not from this script.

    python3 testdata/craft/craft.py        # (re)writes the files below

testdata/linktypes/<linktype>_v4.pcap, _v6.pcap
    The same short conversation in every link type we decode: a handshake,
    one data segment, its ACK and a FIN exchange (8 packets) between
    10.77.1.1:40000 and 10.77.1.2:80, or fd77:1::1 and fd77:1::2.
testdata/decode/*.pcap
    One decoder edge case per file (see the list at the bottom).
"""

import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pcaplib import csum  # noqa: E402  (shared with the other generators)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)  # testdata/

TS0 = 1700000000  # first packet's timestamp (seconds)

# Link types as written in a pcap file header (LINKTYPE_*).
LT_NULL, LT_EN10MB, LT_RAW, LT_LOOP, LT_SLL = 0, 1, 101, 108, 113
LT_USER0, LT_IPV4, LT_IPV6, LT_SLL2 = 147, 228, 229, 276

V4_C, V4_S = bytes([10, 77, 1, 1]), bytes([10, 77, 1, 2])
V6_C = bytes.fromhex("fd770001000000000000000000000001")
V6_S = bytes.fromhex("fd770001000000000000000000000002")
MAC_C = bytes.fromhex("020000000001")
MAC_S = bytes.fromhex("020000000002")
CPORT, SPORT = 40000, 80

FIN, SYN, RST, PSH, ACK, URG, ECE, CWR = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80


# ----------------------------------------------------------------- pcap file

def write_pcap(path, linktype, packets, snaplen=65535):
    """packets: list of bytes (caplen == wire length) or (bytes, wire_len)."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype)]
    for i, pkt in enumerate(packets):
        data, wire = (pkt, len(pkt)) if isinstance(pkt, bytes) else pkt
        out.append(struct.pack("<IIII", TS0, i * 1000, len(data), wire))
        out.append(data)
    full = os.path.join(ROOT, path)
    with open(full, "wb") as f:
        f.write(b"".join(out))
    print("wrote", path, len(packets), "packets")


# ----------------------------------------------------------------- checksums



# ----------------------------------------------------------------- TCP

def opt_mss(v):
    return struct.pack("!BBH", 2, 4, v)


def opt_ws(v):
    return struct.pack("!BBB", 3, 3, v)


def opt_sackok():
    return b"\x04\x02"


def opt_ts(val, ecr):
    return struct.pack("!BBII", 8, 10, val, ecr)


NOP, EOL = b"\x01", b"\x00"


def tcp(src, dst, sport, dport, seq, ack, flags, win=64240, opts=b"", payload=b"",
        doff=None, pseudo_len=None):
    """A TCP segment (RFC 9293 3.1) with a correct checksum for src/dst."""
    assert len(opts) % 4 == 0, "pad options to 32-bit words"
    hlen = 20 + len(opts)
    off = (hlen // 4) if doff is None else doff
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, win, 0, 0) + opts
    seg = hdr + payload
    n = len(seg) if pseudo_len is None else pseudo_len
    if len(src) == 4:
        pseudo = src + dst + struct.pack("!BBH", 0, 6, n)
    else:
        pseudo = src + dst + struct.pack("!IxxxB", n, 6)
    c = csum(pseudo + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


# ----------------------------------------------------------------- IP

def ipv4(src, dst, payload, proto=6, ident=1, frag=0, opts=b"", total=None, ihl=None,
         version=4, ttl=64):
    """An IPv4 header (RFC 791 3.1) with a correct header checksum."""
    assert len(opts) % 4 == 0
    hl = 5 + len(opts) // 4 if ihl is None else ihl
    tot = 20 + len(opts) + len(payload) if total is None else total
    hdr = struct.pack("!BBHHHBBH4s4s", version << 4 | hl, 0, tot, ident, frag, ttl, proto, 0,
                      src, dst) + opts
    c = csum(hdr)
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + payload


def ipv6(src, dst, nh, payload, plen=None):
    """An IPv6 header (RFC 8200 3); payload includes any extension headers."""
    n = len(payload) if plen is None else plen
    return struct.pack("!IHBB16s16s", 6 << 28, n, nh, 64, src, dst) + payload


def ext(nh, body):
    """A generic extension header (Hop-by-Hop, Destination Options, ...):
    next header, length in 8-octet units not counting the first 8, body."""
    total = 2 + len(body)
    assert total % 8 == 0
    return struct.pack("!BB", nh, total // 8 - 1) + body


def padn(n):
    """A PadN option filling n >= 2 bytes."""
    return struct.pack("!BB", 1, n - 2) + b"\0" * (n - 2)


# ----------------------------------------------------------------- links

def eth(dst, src, etype, l3, tags=()):
    """Ethernet II; tags: (tpid, vid) pairs, outermost first."""
    hdr = dst + src
    for tpid, vid in tags:
        hdr += struct.pack("!HH", tpid, vid)
    return hdr + struct.pack("!H", etype) + l3


def sll(pkttype, etype, l3):
    # packet type, ARPHRD_ETHER, address length 6, address padded to 8, protocol
    return struct.pack("!HHH8sH", pkttype, 1, 6, MAC_C if pkttype == 4 else MAC_S, etype) + l3


def sll2(pkttype, etype, l3):
    # protocol, reserved, ifindex, ARPHRD_ETHER, packet type, address length, address
    return struct.pack("!HHIHBB8s", etype, 0, 2, 1, pkttype, 6,
                       MAC_C if pkttype == 4 else MAC_S) + l3


def null_le(family, l3):
    return struct.pack("<I", family) + l3


def null_be(family, l3):
    return struct.pack(">I", family) + l3


# ----------------------------------------------------------------- the conversation

def conversation(v6):
    """8 packets: (from_client, l3 bytes). ISNs 1000 (client) and 5000 (server)."""
    c, s = (V6_C, V6_S) if v6 else (V4_C, V4_S)

    def seg(from_client, seq, ack, flags, opts=b"", payload=b"", win=64240):
        a, b = (c, s) if from_client else (s, c)
        pa, pb = (CPORT, SPORT) if from_client else (SPORT, CPORT)
        t = tcp(a, b, pa, pb, seq, ack, flags, win, opts, payload)
        l3 = ipv6(a, b, 6, t) if v6 else ipv4(a, b, t, ident=100 + len(pkts))
        pkts.append((from_client, l3))

    pkts = []
    seg(True, 1000, 0, SYN, opt_mss(1460) + opt_sackok() + opt_ts(100, 0) + NOP + opt_ws(7))
    seg(False, 5000, 1001, SYN | ACK, opt_mss(1400) + opt_sackok() + opt_ts(200, 100) + NOP +
        opt_ws(8), win=65160)
    seg(True, 1001, 5001, ACK, NOP + NOP + opt_ts(101, 200), win=502)
    seg(True, 1001, 5001, PSH | ACK, NOP + NOP + opt_ts(102, 200), b"hello", win=502)
    seg(False, 5001, 1006, ACK, NOP + NOP + opt_ts(201, 102), win=509)
    seg(True, 1006, 5001, FIN | ACK, NOP + NOP + opt_ts(103, 201), win=502)
    seg(False, 5001, 1007, FIN | ACK, NOP + NOP + opt_ts(202, 103), win=509)
    seg(True, 1007, 5002, ACK, NOP + NOP + opt_ts(104, 202), win=502)
    return pkts


def linktypes():
    for v6 in (False, True):
        fam = "v6" if v6 else "v4"
        et = 0x86DD if v6 else 0x0800
        conv = conversation(v6)

        def macs(fc):
            return (MAC_S, MAC_C) if fc else (MAC_C, MAC_S)

        write_pcap("linktypes/en10mb_%s.pcap" % fam, LT_EN10MB,
                   [eth(*macs(fc), et, l3) for fc, l3 in conv])
        write_pcap("linktypes/en10mb_vlan_%s.pcap" % fam, LT_EN10MB,
                   [eth(*macs(fc), et, l3, tags=[(0x8100, 100)]) for fc, l3 in conv])
        write_pcap("linktypes/en10mb_qinq_%s.pcap" % fam, LT_EN10MB,
                   [eth(*macs(fc), et, l3, tags=[(0x88A8, 200), (0x8100, 100)])
                    for fc, l3 in conv])
        # packet type 4 = sent by us (client side capture), 0 = to us
        write_pcap("linktypes/linux_sll_%s.pcap" % fam, LT_SLL,
                   [sll(4 if fc else 0, et, l3) for fc, l3 in conv])
        write_pcap("linktypes/linux_sll2_%s.pcap" % fam, LT_SLL2,
                   [sll2(4 if fc else 0, et, l3) for fc, l3 in conv])
        write_pcap("linktypes/raw_%s.pcap" % fam, LT_RAW, [l3 for _, l3 in conv])
        # BSD AF_INET is 2; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (Darwin):
        # the IPv6 files cycle through all three.
        fams = [24, 28, 30] if v6 else [2]
        write_pcap("linktypes/null_le_%s.pcap" % fam, LT_NULL,
                   [null_le(fams[i % len(fams)], l3) for i, (_, l3) in enumerate(conv)])
        write_pcap("linktypes/null_be_%s.pcap" % fam, LT_NULL,
                   [null_be(fams[i % len(fams)], l3) for i, (_, l3) in enumerate(conv)])
        write_pcap("linktypes/loop_%s.pcap" % fam, LT_LOOP,
                   [null_be(fams[i % len(fams)], l3) for i, (_, l3) in enumerate(conv)])
    write_pcap("linktypes/ipv4.pcap", LT_IPV4, [l3 for _, l3 in conversation(False)])
    write_pcap("linktypes/ipv6.pcap", LT_IPV6, [l3 for _, l3 in conversation(True)])


# ----------------------------------------------------------------- edge cases

def e4(l3, tags=()):
    """Ethernet, client to server, IPv4."""
    return eth(MAC_S, MAC_C, 0x0800, l3, tags)


def e6(l3):
    return eth(MAC_S, MAC_C, 0x86DD, l3)


def t4(seq, ack, flags, opts=b"", payload=b"", **kw):
    return tcp(V4_C, V4_S, CPORT, SPORT, seq, ack, flags, 64240, opts, payload, **kw)


def t6(seq, ack, flags, opts=b"", payload=b""):
    return tcp(V6_C, V6_S, CPORT, SPORT, seq, ack, flags, 64240, opts, payload)


def edge_cases():
    # A bare ACK: 40 bytes of IP, so the frame is padded to 60 with junk that
    # must not be taken for payload.
    frame = e4(ipv4(V4_C, V4_S, t4(2000, 3000, ACK)))
    write_pcap("decode/eth_padding.pcap", LT_EN10MB, [frame + b"\xAA" * (60 - len(frame))])

    # IPv4 options: Router Alert (RFC 2113, 4 bytes), NOP, NOP, NOP, EOL: IHL 7.
    ra = bytes([0x94, 0x04, 0, 0]) + b"\x01\x01\x01\x00"
    write_pcap("decode/ipv4_options.pcap", LT_EN10MB,
               [e4(ipv4(V4_C, V4_S, t4(2000, 3000, PSH | ACK, payload=b"opt"), opts=ra))])

    # A TCP segment (20 header + 10 data) split in two IPv4 fragments:
    # first 24 bytes with MF (offset 0), then 6 bytes at offset 3 (x 8 = 24).
    seg = t4(2000, 3000, PSH | ACK, payload=b"0123456789")
    write_pcap("decode/ipv4_fragment.pcap", LT_EN10MB, [
        e4(ipv4(V4_C, V4_S, seg[:24], ident=7, frag=0x2000)),
        e4(ipv4(V4_C, V4_S, seg[24:], ident=7, frag=3)),
    ])

    # Malformed IPv4: total length 16 < IHL*4; IHL 4; ethertype IPv4 with version 6.
    good = ipv4(V4_C, V4_S, t4(2000, 3000, ACK))
    write_pcap("decode/ipv4_bad.pcap", LT_EN10MB, [
        e4(ipv4(V4_C, V4_S, t4(2000, 3000, ACK), total=16)),
        e4(ipv4(V4_C, V4_S, t4(2000, 3000, ACK), ihl=4)),
        e4(bytes([0x65]) + good[1:]),
    ])

    # IPv6 with Hop-by-Hop (PadN), Routing (type 0 header, segments left 0, no
    # addresses) and Destination Options (PadN) before TCP.
    t = t6(2000, 3000, PSH | ACK, payload=b"ext3")
    chain = (ext(43, padn(6)) +
             struct.pack("!BBBB4x", 60, 0, 0, 0) +
             ext(6, padn(6)) + t)
    write_pcap("decode/ipv6_ext3.pcap", LT_EN10MB, [e6(ipv6(V6_C, V6_S, 0, chain))])

    # IPv6 with an Authentication Header (RFC 4302: length 4 -> (4+2)*4 = 24 bytes,
    # SPI, sequence, 12-byte ICV) before TCP.
    ah = struct.pack("!BBHII", 6, 4, 0, 0x1000, 1) + b"\x11" * 12
    write_pcap("decode/ipv6_ah.pcap", LT_EN10MB,
               [e6(ipv6(V6_C, V6_S, 51, ah + t6(2000, 3000, ACK)))])

    # IPv6 fragments: first (offset 0, M=1) with the TCP header, then the rest
    # at offset 3 (24 bytes); and an atomic fragment (offset 0, M=0).
    seg = t6(2000, 3000, PSH | ACK, payload=b"0123456789")
    fh = lambda off, m: struct.pack("!BBHI", 6, 0, off << 3 | m, 0x77)
    write_pcap("decode/ipv6_fragment.pcap", LT_EN10MB, [
        e6(ipv6(V6_C, V6_S, 44, fh(0, 1) + seg[:24])),
        e6(ipv6(V6_C, V6_S, 44, fh(3, 0) + seg[24:])),
        e6(ipv6(V6_C, V6_S, 44, fh(0, 0) + t6(2000, 3000, ACK))),
    ])

    # 100 Destination Options headers (8 bytes each) before TCP: past our bound of 64.
    chain = b"".join(ext(60, padn(6)) for _ in range(99)) + ext(6, padn(6)) + t6(2000, 3000, ACK)
    write_pcap("decode/ipv6_ext100.pcap", LT_EN10MB, [e6(ipv6(V6_C, V6_S, 60, chain))])

    # Jumbogram (RFC 2675): payload length 0, Hop-by-Hop with a Jumbo Payload
    # option of 70000 bytes, TCP; captured up to the TCP header only.
    jumbo = 70000
    hbh = struct.pack("!BBBBI", 6, 0, 0xC2, 4, jumbo)
    t = tcp(V6_C, V6_S, CPORT, SPORT, 2000, 3000, ACK, pseudo_len=jumbo - 8)
    frame = e6(ipv6(V6_C, V6_S, 0, hbh + t, plen=0))
    write_pcap("decode/ipv6_jumbo.pcap", LT_EN10MB, [(frame, 14 + 40 + jumbo)])

    # Non-TCP traffic: ARP, IPv4 UDP, ICMPv6 echo request, IPv6 No Next Header,
    # and an 802.3/LLC frame that is not SNAP (spanning tree).
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, MAC_C, V4_C, b"\0" * 6, V4_S)
    udp = struct.pack("!HHHH", 50000, 50001, 12, 0) + b"udp!"
    icmp6 = struct.pack("!BBHHH", 128, 0, 0, 1, 1)
    c = csum(V6_C + V6_S + struct.pack("!IxxxB", len(icmp6), 58) + icmp6)
    icmp6 = icmp6[:2] + struct.pack("!H", c) + icmp6[4:]
    stp = b"\x42\x42\x03" + b"\0" * 35
    write_pcap("decode/non_tcp.pcap", LT_EN10MB, [
        eth(b"\xff" * 6, MAC_C, 0x0806, arp + b"\0" * 18),
        e4(ipv4(V4_C, V4_S, udp, proto=17)),
        e6(ipv6(V6_C, V6_S, 58, icmp6)),
        e6(ipv6(V6_C, V6_S, 59, b"")),
        bytes.fromhex("0180c2000000") + MAC_C + struct.pack("!H", len(stp)) + stp,
    ])

    # 802.3 length frame with LLC/SNAP (AA AA 03, OUI 00-00-00) carrying IPv4 TCP.
    l3 = ipv4(V4_C, V4_S, t4(2000, 0, SYN, opt_mss(1460)))
    snap = b"\xAA\xAA\x03\x00\x00\x00\x08\x00" + l3
    write_pcap("decode/eth_llc_snap.pcap", LT_EN10MB,
               [MAC_S + MAC_C + struct.pack("!H", len(snap)) + snap])

    # VLAN stacks: 0x9100 + 0x8100; 8 tags (our bound); 9 tags (past it).
    l3 = ipv4(V4_C, V4_S, t4(2000, 3000, ACK))
    write_pcap("decode/eth_tags.pcap", LT_EN10MB, [
        e4(l3, tags=[(0x9100, 10), (0x8100, 20)]),
        e4(l3, tags=[(0x8100, i + 1) for i in range(8)]),
        e4(l3, tags=[(0x8100, i + 1) for i in range(9)]),
    ])

    # TCP options, one packet per case.
    write_pcap("decode/tcp_options.pcap", LT_EN10MB, [
        # 1. Linux's SYN layout: MSS, SACK-permitted, timestamps, NOP, window scale 7.
        e4(ipv4(V4_C, V4_S, t4(1000, 0, SYN, opt_mss(1460) + opt_sackok() +
                                opt_ts(12345, 0) + NOP + opt_ws(7)))),
        # 2. Window scale 15 (RFC 7323: use 14), then EOL and an MSS after the
        #    EOL that must be ignored.
        e4(ipv4(V4_C, V4_S, t4(1000, 0, SYN, opt_mss(536) + NOP + opt_ws(15) + EOL +
                                opt_mss(65535) + b"\0" * 3))),
        # 3. An option of length 1 (invalid): parsing stops, the timestamp after it is ignored.
        e4(ipv4(V4_C, V4_S, t4(1001, 5001, ACK, b"\x02\x01" + opt_ts(7, 8)))),
        # 4. SACK-permitted, then a timestamp option claiming 10 bytes with 6 left.
        e4(ipv4(V4_C, V4_S, t4(1001, 5001, ACK, opt_sackok() + b"\x08\x0a\0\0\0\x01"))),
        # 5. Timestamps and a SACK block (kind 5, skipped).
        e4(ipv4(V4_C, V4_S, t4(1001, 5001, ACK, NOP + NOP + opt_ts(99, 98) + NOP + NOP +
                                struct.pack("!BBII", 5, 10, 2000, 3000)))),
        # 6. MSS with a wrong length (3): skipped; window scale 2 after it is read.
        e4(ipv4(V4_C, V4_S, t4(1000, 0, SYN, b"\x02\x03\x05" + opt_ws(2) + b"\0\0"))),
    ])

    # Cut by the snaplen: the wire had more than was captured. (libpcap clamps
    # caplen to the file header's snaplen, so the header says 62, the larger cut.)
    syn = e4(ipv4(V4_C, V4_S, t4(1000, 0, SYN, opt_mss(1460) + opt_sackok() +
                                  opt_ts(12345, 0) + NOP + opt_ws(7))))
    data = e4(ipv4(V4_C, V4_S, t4(1001, 5001, PSH | ACK, NOP + NOP + opt_ts(1, 2),
                                   b"x" * 100)))
    write_pcap("decode/snaplen_cut.pcap", LT_EN10MB, [
        (data[:54], len(data)),  # base TCP header whole, options and payload cut
        (syn[:62], len(syn)),    # cut inside the timestamp option
    ], snaplen=62)

    # Cut inside the TCP base header (10 of its 20 bytes).
    write_pcap("decode/cut_in_tcp.pcap", LT_EN10MB, [(data[:44], len(data))], snaplen=44)

    # Data offset 15 (60 bytes) in a 20-byte segment; data offset 4 (16 bytes).
    write_pcap("decode/tcp_doff_big.pcap", LT_EN10MB,
               [e4(ipv4(V4_C, V4_S, t4(2000, 3000, ACK, doff=15)))])
    write_pcap("decode/tcp_doff4.pcap", LT_EN10MB,
               [e4(ipv4(V4_C, V4_S, t4(2000, 3000, ACK, doff=4)))])

    # IPv4 total length 36 leaves 16 bytes for TCP; the frame's padding holds the rest.
    t = t4(2000, 3000, ACK)
    frame = e4(ipv4(V4_C, V4_S, t, total=36))
    write_pcap("decode/tcp_short.pcap", LT_EN10MB, [frame + b"\0" * (60 - len(frame))])

    # SYN+FIN+RST together, and every flag at once.
    write_pcap("decode/syn_fin_rst.pcap", LT_EN10MB, [
        e4(ipv4(V4_C, V4_S, t4(1000, 0, SYN | FIN | RST))),
        e4(ipv4(V4_C, V4_S, t4(1000, 7, 0xFF))),
    ])

    # A link type we do not decode (USER0) holding an Ethernet frame.
    write_pcap("decode/unknown_link.pcap", LT_USER0,
               [e4(ipv4(V4_C, V4_S, t4(1000, 0, SYN)))])


if __name__ == "__main__":
    linktypes()
    edge_cases()
