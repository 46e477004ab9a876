#!/usr/bin/env python3
"""make.py - write the Zeek conn_state / history cases.

    python3 testdata/zeekcases/make.py      # (re)writes testdata/zeekcases/<case>.pcap

One tiny capture per case, each holding ONE TCP connection. Every case is
modelled on a row of a Zeek baseline conn.log (or a Zeek test's printed
output) in ../shared/corpus/zeek/<trace>/: the same flags, directions, payload
sizes, windows and (relative) sequence numbers, re-addressed to 10.79.0.0/24
and fd79::/64. Where no Zeek row exists the packets are the smallest that show
the value, and the expectation is derived by hand from Zeek's rules
(../shared/zeek-conn-state.md). The expected conn_state and history of each
case, and where each came from, are in README.md and in the table of
tests/test_zeek_cases.c. Nothing here was taken from tcpstates' output.

Layout: Ethernet II + IPv4 (DF, TTL 64, header checksum) or IPv6 (hop limit
64) + TCP (no options, so no window scaling: a window field of 0 is a zero
window) with a correct checksum; classic microsecond pcap, link type 1.
Python 3 standard library only; the output is byte-for-byte deterministic.
"""

import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pcaplib import csum, ip_bytes  # noqa: E402  (shared with the other generators)

HERE = os.path.dirname(os.path.abspath(__file__))

FIN, SYN, RST, PSH, ACK, URG, ECE, CWR = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80
FLAG_LETTERS = {"F": FIN, "S": SYN, "R": RST, "P": PSH, "A": ACK, "U": URG, "E": ECE, "C": CWR}
MOD = 1 << 32

TS0 = 1760200000  # epoch seconds of the first packet of every case

C4, S4 = "10.79.0.1", "10.79.0.2"
C6, S6 = "fd79::1", "fd79::2"
MAC_C = bytes.fromhex("020000790001")
MAC_S = bytes.fromhex("020000790002")


# ------------------------------------------------------------------ bytes





def tcp_seg(src, dst, sport, dport, seq, ack, flags, win, payload):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq % MOD, ack % MOD, 5 << 4, flags,
                      win, 0, 0)
    seg = hdr + payload
    if len(src) == 4:
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(seg))
    else:
        pseudo = src + dst + struct.pack("!IxxxB", len(seg), 6)
    c = csum(pseudo + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def ipv4(src, dst, ident, payload):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF, 0x4000,
                      64, 6, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(src, dst, payload):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), 6, 64, src, dst) + payload


def filler(n, salt):
    # Printable, deterministic, different per packet.
    unit = ("zeekcase-%04d-" % salt).encode()
    return (unit * (n // len(unit) + 1))[:n]


# ------------------------------------------------------------------ cases

class Case:
    """One connection. Packets are given as the Zeek trace shows them in
    tshark: time relative to the first packet, sender ('c' client / 's'
    server), flags, sequence number relative to the sender's ISN, ACK number
    relative to the receiver's ISN (only when the ACK flag is set), payload
    length and window."""

    def __init__(self, name, v6=False, cport=40000, sport=80, cisn=0x1000, sisn=0x8000):
        self.name = name
        self.c, self.s = (C6, S6) if v6 else (C4, S4)
        self.cport, self.sport = cport, sport
        self.isn = {"c": cisn, "s": sisn}
        self.pkts = []
        self.ident = {"c": 0x100, "s": 0x200}

    def p(self, t, frm, flags, seq, ack=None, n=0, win=64240, raw_ack=None):
        fl = 0
        for ch in flags:
            fl |= FLAG_LETTERS[ch]
        to = "s" if frm == "c" else "c"
        abs_seq = self.isn[frm] + seq
        if raw_ack is not None:
            abs_ack = raw_ack
        elif ack is not None:
            assert fl & ACK, (self.name, t, flags)
            abs_ack = self.isn[to] + ack
        else:
            assert not fl & ACK, (self.name, t, flags)
            abs_ack = 0
        src, dst = (self.c, self.s) if frm == "c" else (self.s, self.c)
        sp, dp = (self.cport, self.sport) if frm == "c" else (self.sport, self.cport)
        payload = filler(n, len(self.pkts))
        seg = tcp_seg(ip_bytes(src), ip_bytes(dst), sp, dp, abs_seq, abs_ack, fl, win, payload)
        if ":" in src:
            frame = (MAC_S if frm == "c" else MAC_C) + (MAC_C if frm == "c" else MAC_S) + \
                struct.pack("!H", 0x86DD) + ipv6(ip_bytes(src), ip_bytes(dst), seg)
        else:
            self.ident[frm] += 1
            frame = (MAC_S if frm == "c" else MAC_C) + (MAC_C if frm == "c" else MAC_S) + \
                struct.pack("!H", 0x0800) + ipv4(ip_bytes(src), ip_bytes(dst), self.ident[frm], seg)
        us = round(t * 1_000_000)
        self.pkts.append((TS0 + us // 1_000_000, us % 1_000_000, frame))
        return self

    def write(self):
        path = os.path.join(HERE, self.name + ".pcap")
        out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
        for sec, usec, frame in self.pkts:
            out.append(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)
        with open(path, "wb") as f:
            f.write(b"".join(out))
        return path


def cases():
    out = []

    # ---- S0 -----------------------------------------------------------
    # ssh.client-side-half-duplex, 192.168.1.31:51489 -> :22: the first three
    # packets, SYNs with one sequence number (cut before the client's ACK).
    out.append(Case("s0_syn_retransmit", cport=51489, sport=22)
               .p(0.000000, "c", "S", 0, win=65535)
               .p(0.112503, "c", "S", 0, win=65535)
               .p(0.213700, "c", "S", 0, win=65535))

    # A SYN advertising a zero window (ncsa/bro-simple-scan#6: "SW").
    out.append(Case("s0_zero_window_syn", cport=45678, sport=80)
               .p(0.000000, "c", "S", 0, win=0))

    # auth_change_session_keys, 192.168.1.2:49159 -> :20000. Zeek dropped the
    # responder's three packets (bad checksums, run without -C): what it
    # analysed is the originator's five, kept here with their ACK numbers.
    out.append(Case("s0_one_sided_client", cport=49159, sport=20000,
                    cisn=1239180465, sisn=3778932830)
               .p(0.000000, "c", "S", 0, win=8192)
               .p(0.000777, "c", "A", 1, 1, win=256)
               .p(0.027814, "c", "PA", 1, 1, n=21, win=256)
               .p(0.150480, "c", "PA", 22, 41, n=99, win=256)
               .p(0.463113, "c", "A", 121, 99, win=256))

    # ---- S1 -----------------------------------------------------------
    # ssh-server-pre-banner-data, 10.0.2.1:55343 -> :22, first 7 packets
    # (ECN-setup SYN and SYN-ACK as in the trace).
    out.append(Case("s1", cport=55343, sport=22)
               .p(0.000000, "c", "SEC", 0, win=65535)
               .p(0.000103, "s", "SAE", 0, 1, win=65160)
               .p(0.000509, "c", "A", 1, 1, win=2058)
               .p(0.001706, "c", "PA", 1, 1, n=21, win=2058)
               .p(0.001734, "s", "A", 1, 22, win=509)
               .p(0.033140, "s", "A", 1, 22, n=1448, win=509)
               .p(0.033147, "s", "PA", 1449, 22, n=62, win=509))

    # krb-optional-service-name, whole trace: starts at the SYN-ACK from 88.
    out.append(Case("s1_synack_first", cport=43792, sport=88,
                    cisn=1454030910, sisn=2473617131)
               .p(0.000000, "s", "SA", 0, 1, win=64240)
               .p(0.000000, "c", "A", 1, 1, win=913)
               .p(0.010000, "c", "PA", 1, 1, n=110, win=913)
               .p(0.010000, "s", "PA", 1, 111, n=90, win=64130))

    # ---- SF -----------------------------------------------------------
    # http-get, whole trace (141.142.228.5:59856 -> :80).
    out.append(http_get("sf"))

    # ftp-ipv6, FTP active-mode data connection 2001:470:4867:99::21:55647 ->
    # [..]:49190, whole connection.
    out.append(Case("sf_ipv6", v6=True, cport=55647, sport=49190)
               .p(0.000000, "c", "S", 0, win=32768)
               .p(0.000135, "s", "SA", 0, 1, win=65535)
               .p(0.108133, "c", "A", 1, 1, win=517)
               .p(0.108854, "c", "PA", 1, 1, n=342, win=517)
               .p(0.108862, "c", "FA", 343, 1, win=517)
               .p(0.108927, "s", "A", 1, 343, win=32673)
               .p(0.108970, "s", "A", 1, 344, win=32673)
               .p(0.109181, "s", "FA", 1, 344, win=32844)
               .p(0.217456, "c", "A", 344, 2, win=517))

    # http/zeek-image-post-1080-8000-x (core.local-flip), whole trace: starts
    # at the SYN-ACK from 8000; both ports are HTTP ports, so Zeek flips only
    # when the ACK comes (the flip "on the second packet").
    c = Case("sf_synack_then_ack", cport=1080, sport=8000)
    c.p(0.000000, "s", "SA", 0, 1, win=65160)
    c.p(0.000017, "c", "A", 1, 1, win=502)
    for i, t in enumerate((0.000308, 0.000316, 0.000321, 0.000325)):
        c.p(t, "c", "A", 1 + 1448 * i, 1, n=1448, win=502)
    c.p(0.000328, "c", "PA", 5793, 1, n=166, win=502)
    for t, a, w in ((0.000331, 1449, 501), (0.000332, 2897, 498), (0.000333, 4345, 492),
                    (0.000334, 5793, 486), (0.000335, 5959, 486)):
        c.p(t, "s", "A", 1, a, win=w)
    c.p(0.018867, "s", "PA", 1, 5959, n=145, win=501)
    c.p(0.018899, "c", "A", 5959, 146, win=501)
    c.p(0.019037, "s", "PA", 146, 5959, n=37, win=501)
    c.p(0.019049, "c", "A", 5959, 183, win=501)
    c.p(0.019191, "c", "FA", 5959, 183, win=501)
    c.p(0.020403, "s", "FA", 183, 5960, win=501)
    c.p(0.020435, "c", "A", 5960, 184, win=501)
    out.append(c)

    # tcp/handshake-reorder (core.connection_flipped): http-get with the
    # SYN-ACK captured before the SYN. That test empties likely_server_ports;
    # the server port here (8765) is not a likely server port, so the same
    # holds without the redef.
    out.append(Case("sf_synack_then_syn", cport=59856, sport=8765)
               .p(0.000000, "s", "SA", 0, 1, win=14480)
               .p(0.000260, "c", "S", 0, win=65535)
               .p(0.000294, "c", "A", 1, 1, win=8235)
               .p(0.000443, "c", "PA", 1, 1, n=136, win=8235)
               .p(0.069425, "s", "A", 1, 137, win=122)
               .p(0.070428, "s", "A", 1, 137, n=1448, win=122)
               .p(0.070637, "s", "A", 1449, 137, n=1448, win=122)
               .p(0.070681, "s", "A", 2897, 137, n=1448, win=122)
               .p(0.070691, "s", "PA", 4345, 137, n=663, win=122)
               .p(0.070771, "c", "A", 137, 2897, win=8054)
               .p(0.070803, "c", "A", 137, 5008, win=7922)
               .p(0.072762, "c", "FA", 137, 5008, win=8192)
               .p(0.141744, "s", "FA", 5008, 138, win=122)
               .p(0.141888, "c", "A", 138, 5009, win=8192))

    # ---- REJ ----------------------------------------------------------
    # tcp/rst-inject-rae (core.tcp.rst-after-syn), 1.2.0.2:2527 -> :6649: the
    # SYN and the RST-ACK that refused it (here a well-formed one: seq 0,
    # ACK = ISN+1, window 0, like a Linux refusal; the trace's injected RST
    # had reserved bits set and acked the ISN itself). Cut before the later
    # SYN-ACK.
    out.append(Case("rej", cport=2527, sport=6649, cisn=1569339004, sisn=0)
               .p(0.000000, "c", "S", 0, win=16384)
               .p(0.233736, "s", "RA", 0, 1, win=0))

    # ---- S2 -----------------------------------------------------------
    # http-get without the server's FIN and the last ACK (packets 1-12).
    out.append(http_get("s2", upto=12))

    # ---- S3 -----------------------------------------------------------
    # ftp-ipv6, passive-mode data connection [..]:49186 -> [..]:57086
    # (ShAdfFa, SF) without the client's FIN and the server's last ACK.
    out.append(Case("s3_ipv6", v6=True, cport=49186, sport=57086)
               .p(0.000000, "c", "S", 0, win=65535)
               .p(0.108178, "s", "SA", 0, 1, win=32768)
               .p(0.108375, "c", "A", 1, 1, win=32844)
               .p(0.219395, "s", "PA", 1, 1, n=342, win=517)
               .p(0.219460, "c", "A", 1, 343, win=32673)
               .p(0.219636, "s", "FA", 343, 1, win=517)
               .p(0.219668, "c", "A", 1, 344, win=32844))

    # ---- RSTO ---------------------------------------------------------
    # ldap/simpleauth, 10.0.0.1:25936 -> :3268, whole trace (the client's
    # RST-ACK comes 181 s after the last data).
    out.append(ldap_simpleauth("rsto", last_flags="RA"))

    # ---- RSTR ---------------------------------------------------------
    # http/http-to-ssh, 127.0.0.1:40896 -> :22, whole trace.
    out.append(Case("rstr", cport=40896, sport=22)
               .p(0.000000, "c", "S", 0, win=65495)
               .p(0.000027, "s", "SA", 0, 1, win=65483)
               .p(0.000048, "c", "A", 1, 1, win=512)
               .p(0.000117, "c", "PA", 1, 1, n=75, win=512)
               .p(0.000125, "s", "A", 1, 76, win=511)
               .p(0.001318, "s", "PA", 1, 76, n=42, win=511)
               .p(0.001339, "c", "A", 76, 43, win=512)
               .p(0.001370, "s", "PA", 43, 76, n=34, win=511)
               .p(0.001376, "c", "A", 76, 77, win=512)
               .p(0.001384, "s", "PA", 77, 76, n=2, win=511)
               .p(0.001389, "c", "A", 76, 79, win=512)
               .p(0.001516, "c", "FA", 76, 79, win=512)
               .p(0.001845, "s", "RA", 79, 77, win=512))

    # ---- RSTOS0 -------------------------------------------------------
    # tcp/syn-then-rst (conn_state-RST-behavior), 1.1.1.1:13131 -> :31313,
    # whole trace: SYN with seq 0, then the originator's RST with seq 0.
    out.append(Case("rstos0", cport=13131, sport=31313, cisn=0)
               .p(0.000000, "c", "S", 0, win=8192)
               .p(0.000309, "c", "R", 0, win=8192))

    # ---- RSTRH --------------------------------------------------------
    # No Zeek row. The lone SYN-ACK of wikipedia (173.192.163.128:80 ->
    # 141.142.220.235:6705, "^h" OTH), then the same server gives up with a
    # RST (sequence number just past its SYN).
    out.append(Case("rstrh", cport=6705, sport=80, cisn=3057737590, sisn=1385838722)
               .p(0.000000, "s", "SA", 0, 1, win=16384)
               .p(3.000000, "s", "R", 1, win=0))

    # A lone RST from the server port: the mirror of llc's lone RST (which
    # went from the client port 2035 to 80).
    out.append(Case("rstrh_lone_rst", cport=2035, sport=80, sisn=1388789260)
               .p(0.000000, "s", "R", 1, win=8192))

    # ---- SH -----------------------------------------------------------
    # ssh.client-side-half-duplex 192.168.1.31:51489 -> :22 shortened to its
    # SYN and the client's FIN (FIN-ACK, acking the SYN-ACK the capture did
    # not see).
    out.append(Case("sh", cport=51489, sport=22)
               .p(0.000000, "c", "S", 0, win=65535)
               .p(0.214737, "c", "FA", 1, 1, win=4117))

    # The same connection with its letters: 3 SYNs, ACKs, data, then the FIN
    # (retransmitted once) - the data in between is cut, so the FIN follows
    # the last byte kept.
    out.append(Case("sh_one_sided_client", cport=51489, sport=22)
               .p(0.000000, "c", "S", 0, win=65535)
               .p(0.112503, "c", "S", 0, win=65535)
               .p(0.213700, "c", "S", 0, win=65535)
               .p(0.214737, "c", "A", 1, 1, win=4117)
               .p(0.215183, "c", "A", 1, 1, win=4117)
               .p(0.215191, "c", "A", 1, 1, win=4117)
               .p(0.224164, "c", "PA", 1, 1, n=21, win=4117)
               .p(0.224869, "c", "A", 22, 22, win=4117)
               .p(0.225941, "c", "A", 22, 326, win=4107)
               .p(0.227525, "c", "A", 22, 326, n=1448, win=4107)
               .p(0.512000, "c", "FA", 1470, 326, win=4096)
               .p(0.512707, "c", "FA", 1470, 326, win=4096))

    # ---- SHR ----------------------------------------------------------
    # ssh.server-side-half-duplex 192.168.1.32:22 -> 192.168.1.31:52294
    # shortened to the server's SYN-ACK and FIN.
    out.append(Case("shr", cport=52294, sport=22)
               .p(0.000000, "s", "SA", 0, 1, win=14480)
               .p(0.500000, "s", "FA", 1, 1, win=114))

    # The same connection with its letters: SYN-ACK, ACK, data, FIN, ACK -
    # the data in between is cut, so the FIN follows the last byte kept.
    out.append(Case("shr_one_sided_server", cport=52294, sport=22)
               .p(0.000000, "s", "SA", 0, 1, win=14480)
               .p(0.006589, "s", "A", 1, 22, win=114)
               .p(0.009922, "s", "PA", 1, 22, n=21, win=114)
               .p(0.010987, "s", "PA", 22, 22, n=304, win=114)
               .p(0.016170, "s", "A", 326, 1846, win=159)
               .p(0.500000, "s", "FA", 326, 1846, win=249)
               .p(0.500953, "s", "A", 327, 1847, win=249))

    # ---- OTH ----------------------------------------------------------
    # ldap/missing_ldap_logs, 10.199.2.121:59327 -> :389, first 6 packets of
    # a connection whose SYN was not captured.
    out.append(ldap_midstream("oth", skip_first=False))

    # The same with its first packet cut: the server (port 389) speaks first.
    out.append(ldap_midstream("oth_server_first", skip_first=True))

    # llc, 128.3.140.132:2035 -> 194.140.136.34:80: one lone RST (no ACK flag,
    # the ACK field holding the sequence number), one conn.log row per RST.
    out.append(Case("oth_lone_rst", cport=2035, sport=80, cisn=1388789260)
               .p(0.000000, "c", "R", 1, win=8192, raw_ack=1388789261))

    # wikipedia, 173.192.163.128:80 -> 141.142.220.235:6705: a lone SYN-ACK.
    out.append(Case("oth_lone_synack", cport=6705, sport=80, cisn=3057737590,
                    sisn=1385838722)
               .p(0.000000, "s", "SA", 0, 1, win=16384))

    # tcp/syn-then-stuff-then-rst (conn_state-RST-behavior), whole trace:
    # SYN, the responder's bare ACK, the originator's bare FIN, its RST (every
    # sequence and ACK number 0, as in the trace).
    out.append(Case("oth_syn_ack_fin_rst", cport=13131, sport=31313, cisn=0, sisn=0)
               .p(0.000000, "c", "S", 0, win=8192)
               .p(0.000306, "s", "A", 0, 0, win=8192)
               .p(0.000450, "c", "F", 0, win=8192)
               .p(0.000592, "c", "R", 0, win=8192))

    # ---- history letters ----------------------------------------------
    # W: http-get where the client's last data ACK advertises a zero window
    # and a window update follows before the FINs.
    out.append(http_get("w_zero_window", zero_window=True))

    # T: tcp/ssh-dups (core.tcp.tcp-dups) shortened: each data segment of the
    # client and the server captured twice, then a FIN exchange.
    out.append(Case("t_retransmit", cport=53206, sport=22)
               .p(0.000000, "c", "S", 0, win=65535)
               .p(0.000040, "s", "SA", 0, 1, win=28960)
               .p(0.000198, "c", "A", 1, 1, win=2058)
               .p(0.000832, "c", "PA", 1, 1, n=21, win=2058)
               .p(0.000840, "c", "PA", 1, 1, n=21, win=2058)
               .p(0.000845, "s", "A", 1, 22, win=227)
               .p(0.043036, "s", "PA", 1, 22, n=41, win=227)
               .p(0.043040, "s", "PA", 1, 22, n=41, win=227)
               .p(0.043177, "c", "A", 22, 42, win=2058)
               .p(0.050000, "c", "FA", 22, 42, win=2058)
               .p(0.050200, "s", "FA", 42, 23, win=227)
               .p(0.050300, "c", "A", 23, 43, win=2058))

    # I: ldap/simpleauth with the client's final RST-ACK sent as FIN+RST+ACK.
    out.append(ldap_simpleauth("i_fin_rst", last_flags="FRA"))

    # Q: a SYN+FIN probe that nobody answers, and one that a closed port
    # answers with a RST-ACK.
    out.append(Case("q_syn_fin", cport=41234, sport=80)
               .p(0.000000, "c", "SF", 0, win=1024))
    out.append(Case("q_syn_fin_rst", cport=41234, sport=80, sisn=0)
               .p(0.000000, "c", "SF", 0, win=1024)
               .p(0.000150, "s", "RA", 0, 2, win=0))
    return out


def http_get(name, upto=14, zero_window=False):
    """http/get.pcap, 141.142.228.5:59856 -> 192.150.187.43:80."""
    c = Case(name, cport=59856, sport=80)
    rows = [
        (0.000000, "c", "S", 0, None, 0, 65535),
        (0.069740, "s", "SA", 0, 1, 0, 14480),
        (0.070034, "c", "A", 1, 1, 0, 8235),
        (0.070183, "c", "PA", 1, 1, 136, 8235),
        (0.139165, "s", "A", 1, 137, 0, 122),
        (0.140168, "s", "A", 1, 137, 1448, 122),
        (0.140377, "s", "A", 1449, 137, 1448, 122),
        (0.140421, "s", "A", 2897, 137, 1448, 122),
        (0.140431, "s", "PA", 4345, 137, 663, 122),
        (0.140511, "c", "A", 137, 2897, 0, 8054),
        (0.140543, "c", "A", 137, 5008, 0, 7922),
        (0.142502, "c", "FA", 137, 5008, 0, 8192),
        (0.211484, "s", "FA", 5008, 138, 0, 122),
        (0.211628, "c", "A", 138, 5009, 0, 8192),
    ]
    for i, (t, frm, fl, seq, ack, n, win) in enumerate(rows[:upto]):
        if zero_window and i == 10:
            c.p(t, frm, fl, seq, ack, n=n, win=0)          # client: window full
            c.p(0.141500, "c", "A", 137, 5008, win=8192)   # window update
            continue
        c.p(t, frm, fl, seq, ack, n=n, win=win)
    return c


def ldap_simpleauth(name, last_flags):
    """ldap/simpleauth.pcap, 10.0.0.1:25936 -> 10.0.0.2:3268."""
    return (Case(name, cport=25936, sport=3268)
            .p(0.000000, "c", "S", 0, win=8190)
            .p(0.000151, "s", "SA", 0, 1, win=8192)
            .p(0.002054, "c", "A", 1, 1, win=255)
            .p(0.002058, "c", "PA", 1, 1, n=52, win=460)
            .p(0.003310, "s", "PA", 1, 53, n=22, win=256)
            .p(0.007109, "c", "A", 53, 23, win=460)
            .p(0.007115, "c", "PA", 53, 23, n=113, win=460)
            .p(0.007444, "s", "PA", 23, 166, n=144, win=256)
            .p(0.011295, "c", "PA", 166, 167, n=93, win=492)
            .p(0.016837, "s", "PA", 167, 259, n=22, win=255)
            .p(0.060166, "c", "A", 259, 189, win=492)
            .p(181.520479, "c", last_flags, 259, 189, win=9300))


def ldap_midstream(name, skip_first):
    """ldap/missing_ldap_logs.pcapng, 10.199.2.121:59327 -> 10.199.2.111:389,
    packets 1-6 (no SYN in the capture)."""
    c = Case(name, cport=59327, sport=389)
    rows = [
        (0.000000, "c", "PA", 1, 1, 350, 8212),
        (0.000473, "s", "A", 1, 351, 1460, 8194),
        (0.000473, "s", "PA", 1461, 351, 1222, 8194),
        (0.001726, "c", "PA", 351, 2683, 1808, 8212),
        (0.002717, "s", "PA", 2683, 2159, 210, 8195),
        (0.007044, "c", "PA", 2159, 2893, 84, 8211),
    ]
    if skip_first:
        rows = rows[1:]
    for t, frm, fl, seq, ack, n, win in rows:
        c.p(t, frm, fl, seq, ack, n=n, win=win)
    return c


def main():
    all_cases = cases()
    names = {c.name for c in all_cases}
    assert len(names) == len(all_cases), "duplicate case name"
    for c in all_cases:
        c.write()
    for f in sorted(os.listdir(HERE)):
        if f.endswith(".pcap") and f[:-5] not in names:
            os.remove(os.path.join(HERE, f))  # a case that no longer exists


if __name__ == "__main__":
    main()
