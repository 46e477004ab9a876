#!/usr/bin/env python3
"""make.py - write the hand-made TCP state captures and their truth files.

    python3 testdata/handmade/make.py      # (re)writes testdata/crafted_<case>.pcap/.truth

These cover what the kernel cannot be made to produce on demand between two
network namespaces (one-sided captures, spoofed and challenged resets, sequence
number wrap, a capture that starts mid-way, ...). Every byte is laid out here
with struct (Python 3 standard library only): Ethernet II + IPv4 or IPv6 + TCP,
correct IPv4 header and TCP checksums, microsecond pcap. Addresses are only in
10.78.0.0/24 and fd78::/64.

The truth of each case is NOT taken from tcpstates: it is RFC 9293 (and RFC
5961 for resets) applied by hand to the packets, following the product rules
in SPEC.md (the observer's rule: a captured packet was sent by its source and
reached its destination; when it arrived is told by the receiver's own
sequence and ACK numbers, not by the capture order). The reasoning is written
into each .truth file as comments and summarised in README.md.
"""

import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pcaplib import csum, ip_bytes  # noqa: E402  (shared with the other generators)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)  # testdata/

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
MOD = 1 << 32

TS0 = 1760000000  # epoch seconds of the first packet of the first case

C4, S4 = "10.78.0.1", "10.78.0.2"
C6, S6 = "fd78::1", "fd78::2"
MAC = {C4: bytes.fromhex("020000780001"), S4: bytes.fromhex("020000780002"),
       C6: bytes.fromhex("020000780001"), S6: bytes.fromhex("020000780002")}


# ------------------------------------------------------------------ bytes





def syn_opts():
    # MSS 1460, SACK permitted, NOP, NOP: no window scale, so every window
    # field in these captures is in bytes.
    return struct.pack("!BBH", 2, 4, 1460) + b"\x04\x02" + b"\x01\x01"


def tcp_seg(src, dst, sport, dport, seq, ack, flags, win, opts, payload):
    assert len(opts) % 4 == 0
    off = (20 + len(opts)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq % MOD, ack % MOD, off << 4, flags,
                      win, 0, 0) + opts
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
    return hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:] + payload


def ipv6(src, dst, payload):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), 6, 64, src, dst) + payload


# ------------------------------------------------------------------ capture

class Capture:
    """Packets of one case, with capture time running forward."""

    def __init__(self, name, t0):
        self.name = name
        self.t = float(t0)
        self.pkts = []  # (ts, frame)
        self.ident = {}

    def add(self, dt, src, dst, sport, dport, seq, ack, flags, win, opts=b"", payload=b""):
        self.t += dt
        s, d = ip_bytes(src), ip_bytes(dst)
        seg = tcp_seg(s, d, sport, dport, seq, ack, flags, win, opts, payload)
        if len(s) == 4:
            self.ident[src] = self.ident.get(src, 0x3000 + 0x100 * len(self.ident)) + 1
            l3, et = ipv4(s, d, self.ident[src], seg), 0x0800
        else:
            l3, et = ipv6(s, d, seg), 0x86DD
        frame = MAC[dst] + MAC[src] + struct.pack("!H", et) + l3
        self.pkts.append((self.t, frame))

    def write(self):
        out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
        for ts, frame in self.pkts:
            usec = int(round(ts * 1e6))
            out.append(struct.pack("<IIII", usec // 1000000, usec % 1000000, len(frame),
                                   len(frame)))
            out.append(frame)
        path = os.path.join(OUT, self.name + ".pcap")
        with open(path, "wb") as f:
            f.write(b"".join(out))
        print("wrote testdata/%s.pcap (%d packets)" % (self.name, len(self.pkts)))


def payload(n, tag):
    text = (tag.encode() + b" tcpstates hand-made payload\n") * (n // 20 + 2)
    return text[:n]


class Conn:
    """One TCP connection between c (client) and s (server) on a Capture.

    Each side keeps its SND.NXT in nxt[side]. send() defaults the sequence
    number to the sender's SND.NXT and the ACK number to the peer's SND.NXT
    (everything the peer sent has arrived); pass seq= / ack= to say otherwise
    (retransmissions, crossing FINs, resets). A segment sent at the sender's
    SND.NXT advances it by its length plus one for SYN and one for FIN.
    """

    def __init__(self, cap, cip, cport, sip, sport, cisn, sisn):
        self.cap = cap
        self.addr = {"c": (cip, cport), "s": (sip, sport)}
        self.nxt = {"c": cisn % MOD, "s": sisn % MOD}

    def send(self, who, flags, n=0, dt=0.0, seq=None, ack=None, win=64240, opts=b"",
             data=None):
        peer = "s" if who == "c" else "c"
        at_nxt = seq is None
        if seq is None:
            seq = self.nxt[who]
        if ack is None:
            ack = self.nxt[peer] if flags & ACK else 0
        body = data if data is not None else payload(n, self.cap.name)
        (src, sport), (dst, dport) = self.addr[who], self.addr[peer]
        self.cap.add(dt, src, dst, sport, dport, seq, ack, flags, win, opts, body)
        if at_nxt and not flags & RST:
            self.nxt[who] = (seq + len(body) + (1 if flags & SYN else 0) +
                             (1 if flags & FIN else 0)) % MOD
        return seq % MOD, ack % MOD

    # the usual pieces
    def handshake(self, rtt=0.040, dt=0.0):
        self.send("c", SYN, dt=dt, opts=syn_opts())
        self.send("s", SYN | ACK, dt=rtt, win=65160, opts=syn_opts())
        self.send("c", ACK, dt=0.0001)

    def exchange(self, req=100, resp=200, rtt=0.040, dt=0.0001):
        """Client request, server response (acking it), client ACK."""
        self.send("c", PSH | ACK, n=req, dt=dt)
        self.send("s", PSH | ACK, n=resp, dt=rtt)
        self.send("c", ACK, dt=0.0001)


# ------------------------------------------------------------------ truth

HEADER = "# client_ip\tclient_port\tclient_state\tserver_ip\tserver_port\tserver_state"


def truth(name, why, rows, roles_either=False):
    lines = ["# scenario: " + name]
    lines += ["# " + w for w in why]
    lines.append(HEADER)
    if roles_either:
        lines.append("#! roles either")
    lines += ["\t".join(str(x) for x in r) for r in rows]
    path = os.path.join(OUT, name + ".truth")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


# ------------------------------------------------------------------ the cases
# Each case function builds its capture and returns (why, rows). Capture
# times: case k starts at TS0 + 1000*k, so no two files share a timestamp.

def piggyback_fin(cap):
    k = Conn(cap, C4, 41001, S4, 80, 0x1A2B3C4D, 0x5E6F7081)
    k.handshake()
    k.exchange()
    cf, _ = k.send("c", FIN | ACK, dt=1.0)           # client: ESTABLISHED -> FIN_WAIT_1
    k.send("s", FIN | ACK, dt=0.040)                  # ack = cf+1: acks the client's FIN
    k.send("c", ACK, dt=0.0001)                       # acks the server's FIN
    return ([
        "handshake, request/response; the client sends FIN (ESTABLISHED -> FIN_WAIT_1, RFC 9293 3.10.4 CLOSE, 3.6);",
        "the server answers with ONE segment FIN+ACK whose ACK field acknowledges the client's FIN (ack = client FIN seq + 1):",
        "the server went CLOSE_WAIT on the client's FIN and LAST_ACK on sending its own FIN (3.10.7.4 eighth, 3.10.4);",
        "the client processes the ACK field before the FIN bit (3.10.7.4 fifth then eighth): FIN_WAIT_1 -> FIN_WAIT_2,",
        "then 'FIN-WAIT-1/FIN-WAIT-2: if our FIN has been ACKed (perhaps in this segment), enter TIME-WAIT': TIME_WAIT;",
        "the client's last ACK acknowledges the server's FIN: LAST_ACK -> CLOSED (3.10.7.4 fifth, LAST-ACK).",
        "capture ends 1.1 s after connect, well inside 2 x MSL = 60 s: client still TIME_WAIT.",
        "expected: client TIME_WAIT, server CLOSED",
    ], [(C4, 41001, "TIME_WAIT", S4, 80, "CLOSED")])


def one_sided_client(cap):
    # Only client -> server packets are in the capture (captured on the
    # client's side with an egress-only filter, say). The server sent a
    # SYN-ACK, a 300-byte response, then a FIN: none captured.
    cisn, sisn = 0x00C0FFEE, 0x7A5E0001
    k = Conn(cap, C4, 41002, S4, 80, cisn, sisn)
    k.send("c", SYN, opts=syn_opts())                               # t=0
    k.nxt["s"] = (sisn + 1) % MOD                                   # uncaptured SYN-ACK
    k.send("c", ACK, dt=0.040)                                      # ack = sisn+1
    k.send("c", PSH | ACK, n=100, dt=0.0001)                        # request
    k.nxt["s"] = (sisn + 1 + 300) % MOD                             # uncaptured response
    k.send("c", FIN | ACK, dt=0.160)                                # t=0.2001, ack sisn+301
    k.nxt["s"] = (sisn + 1 + 300 + 1) % MOD                         # uncaptured server FIN
    k.send("c", ACK, dt=0.040)                                      # seq cisn+102, ack sisn+302
    return ([
        "only the client -> server direction was captured (5 packets): SYN (ISN c), ACK (ack s+1), 100 bytes,",
        "FIN (seq c+101, ack s+301), ACK (seq c+102, ack s+302). Nothing from the server is in the file.",
        "what the client's own numbers prove (RFC 9293 3.4: SYN and FIN each occupy one sequence number;",
        "3.10.7.3/3.10.7.4: a TCP only acknowledges what it has received):",
        "- ack s+1 on a non-SYN segment: the client received a SYN-ACK with ISN s acking its SYN, so the server",
        "  was in SYN_RCVD and the client went SYN_SENT -> ESTABLISHED (3.10.7.3); that ACK reached the server",
        "  (observer's rule): server SYN_RCVD -> ESTABLISHED (3.10.7.4 fifth);",
        "- the FIN acks s+301: the server sent 300 bytes of response; client ESTABLISHED -> FIN_WAIT_1;",
        "- the last ACK has seq c+102 (after its own FIN) and ack s+302: one past the server's byte s+301, which can",
        "  only be a FIN (the ACK carries no data and no further data follows): the client received the server's FIN",
        "  and acknowledged it (3.10.7.4 eighth). The server therefore had received the client's FIN (CLOSE_WAIT)",
        "  and sent its FIN (LAST_ACK); the client's ACK of that FIN reached it: LAST_ACK -> CLOSED.",
        "- the client: its FIN did not ack the server's FIN (s+301 < s+302), so that FIN was sent first; the server",
        "  answered it with its FIN exactly one handshake RTT (40 ms, SYN -> ACK) after the client's FIN, i.e. the",
        "  server's FIN left when the client's FIN arrived, acknowledging it: FIN_WAIT_1 -> FIN_WAIT_2 -> TIME_WAIT",
        "  (3.10.7.4 eighth, FIN-WAIT-1 'if our FIN has been ACKed (perhaps in this segment), enter TIME-WAIT').",
        "  (A crossing FIN - simultaneous close - would have had to leave the server before the client's FIN",
        "  arrived and reach the client in less than one RTT after the client's FIN; nothing shows that.)",
        "capture ends 0.24 s after connect (< 60 s): TIME_WAIT has not expired. The server's state is inferred",
        "from the client's ACKs, as SPEC.md asks for one-sided captures, not UNKNOWN.",
        "expected: client TIME_WAIT, server CLOSED",
    ], [(C4, 41002, "TIME_WAIT", S4, 80, "CLOSED")])


def starts_at_synack(cap):
    cisn, sisn = 0x2468ACE0, 0x13579BDF
    k = Conn(cap, C4, 41003, S4, 80, cisn, sisn)
    k.nxt["c"] = (cisn + 1) % MOD                     # the client's SYN was not captured
    k.send("s", SYN | ACK, win=65160, opts=syn_opts())  # ack = cisn+1
    k.send("c", ACK, dt=0.0001)
    k.exchange(req=120, resp=400)
    k.send("s", PSH | ACK, n=64, dt=0.5)              # more data both ways
    k.send("c", PSH | ACK, n=32, dt=0.0002)
    k.send("s", ACK, dt=0.040)
    return ([
        "the capture begins with the server's SYN-ACK (the client's SYN was missed), then the client's ACK of it,",
        "data both ways, and nothing closes. A SYN-ACK acking ISN c+1 shows the server received a SYN (c) and went",
        "LISTEN -> SYN_RCVD (3.10.7.2); the client, SYN_SENT, took the SYN-ACK and acked it: ESTABLISHED (3.10.7.3);",
        "the ACK reached the server: SYN_RCVD -> ESTABLISHED (3.10.7.4 fifth). The client is the SYN-ACK's",
        "destination (it sent the SYN). Data then flows both ways with every segment in sequence; no FIN, no RST.",
        "expected: client ESTABLISHED, server ESTABLISHED",
    ], [(C4, 41003, "ESTABLISHED", S4, 80, "ESTABLISHED")])


def midstream_close(cap):
    cisn, sisn = 0x6F1D2C3B, 0x0BADCAFE               # where the captured stream begins
    k = Conn(cap, C4, 51000, S4, 443, cisn, sisn)
    # First captured packet goes server -> client (the server pushing data),
    # so "first sender = client" would get the roles wrong; port 443 vs an
    # ephemeral 51000 says who the client is.
    k.send("s", PSH | ACK, n=500)
    k.send("c", ACK, dt=0.0001)
    k.send("c", PSH | ACK, n=80, dt=0.200)
    k.send("s", PSH | ACK, n=300, dt=0.040)
    k.send("c", ACK, dt=0.0001)
    k.send("s", FIN | ACK, dt=0.300)                  # server closes first
    k.send("c", ACK, dt=0.0001)                       # acks the server's FIN
    k.send("c", FIN | ACK, dt=0.100)                  # client closes
    k.send("s", ACK, dt=0.040)                        # acks the client's FIN
    return ([
        "no SYN: the capture begins with data server -> client on an established connection between",
        "10.78.0.1:51000 (ephemeral port) and 10.78.0.2:443 (well-known port); roles are inferred: the client is",
        "the ephemeral-port side even though the first captured packet comes from 443. Both start ESTABLISHED.",
        "the server sends FIN (FIN_WAIT_1), the client acks it (client ESTABLISHED -> CLOSE_WAIT, 3.10.7.4 eighth;",
        "server FIN_WAIT_1 -> FIN_WAIT_2 on the ACK, fifth); the client sends its FIN (CLOSE_WAIT -> LAST_ACK, 3.10.4),",
        "which reaches the server in FIN_WAIT_2: TIME_WAIT (eighth); the server's ACK of it reaches the client:",
        "LAST_ACK -> CLOSED (fifth). capture ends 0.68 s in, < 60 s: server still TIME_WAIT.",
        "expected: client CLOSED, server TIME_WAIT",
    ], [(C4, 51000, "CLOSED", S4, 443, "TIME_WAIT")])


def rst_out_of_window(cap):
    k = Conn(cap, C4, 41005, S4, 80, 0x3C3C0000, 0x4D4D0000)
    k.handshake()
    k.exchange()
    rcv_nxt = k.nxt["s"]                              # the client's RCV.NXT
    k.send("s", RST, dt=1.0, seq=rcv_nxt + 0x30000000, ack=0, win=0)
    k.send("c", PSH | ACK, n=50, dt=1.0)              # traffic continues
    k.send("s", PSH | ACK, n=100, dt=0.040)
    k.send("c", ACK, dt=0.0001)
    return ([
        "established, one request/response; then a RST with the server's address and port whose sequence number is",
        "the client's RCV.NXT + 0x30000000, far outside the client's receive window (64240 bytes, no window scaling).",
        "RFC 9293 3.10.7.4 first (an unacceptable segment with RST: 'drop the segment and return') and second (the",
        "RFC 5961 3.2 check: 'If the RST bit is set and the sequence number is outside the current receive window,",
        "silently drop the segment'): the client stays ESTABLISHED and sends nothing.",
        "the RST was not the server's own (blind/spoofed): the server then acks the client's next 50 bytes and sends",
        "100 more bytes at its real SND.NXT, which a CLOSED endpoint cannot do, and the client acks them.",
        "expected: client ESTABLISHED, server ESTABLISHED",
    ], [(C4, 41005, "ESTABLISHED", S4, 80, "ESTABLISHED")])


def rst_challenge(cap):
    k = Conn(cap, C4, 41006, S4, 80, 0x5A5A1000, 0x6B6B2000)
    k.handshake()
    k.exchange()
    rcv_nxt = k.nxt["s"]
    k.send("s", RST, dt=1.0, seq=rcv_nxt + 1000, ack=0, win=0)   # in window, not exact
    k.send("c", ACK, dt=0.00005)                                  # challenge ACK
    k.send("s", PSH | ACK, n=100, dt=1.0)            # the real server, still there
    k.send("c", ACK, dt=0.0001)
    k.send("c", PSH | ACK, n=60, dt=0.300)
    k.send("s", ACK, dt=0.040)
    return ([
        "established, one request/response; then a RST with the server's address whose sequence number is the",
        "client's RCV.NXT + 1000: inside the client's receive window (64240) but not exactly RCV.NXT.",
        "RFC 5961 3.2 (adopted by RFC 9293 3.10.7.4 second, check the RST bit): 'If the RST bit is set and the sequence number does not",
        "exactly match the next expected sequence value, yet is within the current receive window, TCP MUST send an",
        "acknowledgment (challenge ACK)' and otherwise ignore it: the client answers with a pure ACK (seq SND.NXT,",
        "ack RCV.NXT, no new data) and stays ESTABLISHED. The ACK reaches the server, which has the connection: a",
        "duplicate ACK, no change (had the server itself reset, it would have answered the challenge ACK with an",
        "exact RST). The server then sends 100 bytes at its real SND.NXT and acks 60 more from the client.",
        "expected: client ESTABLISHED, server ESTABLISHED",
    ], [(C4, 41006, "ESTABLISHED", S4, 80, "ESTABLISHED")])


def rst_exact(cap):
    k = Conn(cap, C4, 41007, S4, 80, 0x7E7E3000, 0x0F0F4000)
    k.handshake()
    k.exchange()
    k.send("c", PSH | ACK, n=100, dt=0.5)
    k.send("s", ACK, dt=0.040)
    k.send("s", RST | ACK, dt=0.5)                    # seq = server SND.NXT = client RCV.NXT
    return ([
        "established, data both ways; then the server aborts: RST+ACK with seq = its SND.NXT, which is exactly the",
        "client's RCV.NXT (everything the server sent has been acked by the client).",
        "the sender: a TCP that sends a RST on ABORT goes to CLOSED (RFC 9293 3.10.5 ABORT call, ESTABLISHED:",
        "'Send a reset segment ... delete the TCB, enter CLOSED state').",
        "the receiver: RFC 9293 3.10.7.4 second / RFC 5961 3.2: the sequence number exactly matches RCV.NXT, so the",
        "RST is accepted; ESTABLISHED on an acceptable RST: 'Enter the CLOSED state, delete the TCB'.",
        "expected: client CLOSED, server CLOSED",
    ], [(C4, 41007, "CLOSED", S4, 80, "CLOSED")])


def seq_wrap(cap):
    cisn, sisn = MOD - 40, MOD - 70                   # both within 100 bytes of 2^32
    k = Conn(cap, C4, 41008, S4, 80, cisn, sisn)
    k.handshake()
    k.send("c", PSH | ACK, n=50, dt=0.0001)           # 2^32-39 .. 2^32+10: crosses the wrap
    k.send("c", PSH | ACK, n=50, dt=0.0001)           # 11 .. 60
    k.send("s", ACK, dt=0.040)
    k.send("s", PSH | ACK, n=100, dt=0.0001)          # 2^32-69 .. 30: crosses the wrap
    k.send("s", PSH | ACK, n=100, dt=0.0001)          # 31 .. 130
    k.send("c", ACK, dt=0.040)
    k.send("c", PSH | ACK, n=30, dt=0.2)
    k.send("s", ACK, dt=0.040)
    k.send("c", FIN | ACK, dt=0.5)                    # client closes first
    k.send("s", ACK, dt=0.040)
    k.send("s", FIN | ACK, dt=0.010)
    k.send("c", ACK, dt=0.040)
    return ([
        "client ISN 2^32-40, server ISN 2^32-70; each side's data crosses 2^32 -> 0 inside a segment and the next",
        "segments continue at small sequence numbers; all sequence arithmetic is modulo 2^32 (RFC 9293 3.4), so",
        "every segment is in order and every ACK acceptable (SND.UNA < SEG.ACK =< SND.NXT, mod 2^32).",
        "normal close, client first: client FIN_WAIT_1 -> FIN_WAIT_2 (its FIN acked) -> TIME_WAIT (server's FIN,",
        "3.10.7.4 eighth); server CLOSE_WAIT -> LAST_ACK -> CLOSED (client's ACK of its FIN). capture < 60 s.",
        "expected: client TIME_WAIT, server CLOSED",
    ], [(C4, 41008, "TIME_WAIT", S4, 80, "CLOSED")])


def time_wait_expiry(cap):
    k = Conn(cap, C4, 41009, S4, 80, 0x11223344, 0x55667788)
    k.handshake()
    k.exchange()
    k.send("c", FIN | ACK, dt=0.2)
    k.send("s", ACK, dt=0.040)
    k.send("s", FIN | ACK, dt=0.010)                  # client enters TIME_WAIT on this
    k.send("c", ACK, dt=0.0001)
    k2 = Conn(cap, C4, 41090, S4, 8080, 0x99AABBCC, 0)
    k2.send("c", SYN, dt=70.0, opts=syn_opts())       # 70 s later, never answered
    return ([
        "row 1: handshake, request/response, normal close with the client first: client FIN_WAIT_1 -> FIN_WAIT_2 ->",
        "TIME_WAIT on the server's FIN (RFC 9293 3.10.7.4 eighth), server CLOSE_WAIT -> LAST_ACK -> CLOSED.",
        "the TIME-WAIT timer is 2 x MSL (3.10.7.4 eighth, 3.10.8 'If the time-wait timeout expires on a connection",
        "delete the TCB, enter the CLOSED state'); SPEC: 2 x MSL = 60 s of capture time by default.",
        "the last packet of the capture comes 70 s after the client entered TIME_WAIT: it has expired: CLOSED.",
        "row 2: that last packet is a SYN from 10.78.0.1:41090 to 10.78.0.2:8080 (a different connection), never",
        "answered: client SYN_SENT; the server was sent a SYN and never answered: it holds no connection, CLOSED.",
        "expected: row 1 client CLOSED, server CLOSED; row 2 client SYN_SENT, server CLOSED",
    ], [(C4, 41009, "CLOSED", S4, 80, "CLOSED"),
        (C4, 41090, "SYN_SENT", S4, 8080, "CLOSED")])


def simclose_other_order(cap):
    # Captured next to the SERVER: what it sends appears at once, what the
    # client sends appears when it arrives (one-way delay 50 ms).
    k = Conn(cap, C4, 41010, S4, 80, 0x2B2B2B2B, 0x3C3C3C3C)
    k.send("c", SYN, opts=syn_opts())                 # arrives at t=0
    k.send("s", SYN | ACK, dt=0.0001, win=65160, opts=syn_opts())  # leaves at once
    k.send("c", ACK, dt=0.100)                        # arrives one RTT later
    k.send("c", PSH | ACK, n=100, dt=0.0001)          # request
    k.send("s", PSH | ACK, n=200, dt=0.0002)          # response
    k.send("c", ACK, dt=0.100)                        # its ACK arrives one RTT later
    cfin = k.nxt["c"]
    sf, _ = k.send("s", FIN | ACK, dt=1.0)            # ack = cfin: does not ack the client's FIN
    k.send("c", FIN | ACK, dt=0.020, ack=sf)          # sent before the server's FIN arrived
    k.send("s", ACK, dt=0.0001)                       # server acks the client's FIN
    k.send("c", ACK, dt=0.080, seq=(cfin + 1) % MOD, ack=sf + 1)  # client acks the server's FIN
    return ([
        "simultaneous close captured next to the SERVER (one-way delay 50 ms): after the handshake and one",
        "request/response, the server's FIN (seq S, ack C) appears first, then the client's FIN (seq C, ack S), then",
        "the server's ACK (ack C+1) and the client's ACK (ack S+1).",
        "the client's FIN acks S, not S+1: the client had not received the server's FIN when it sent its own, so",
        "it was ESTABLISHED -> FIN_WAIT_1 first, whatever the capture order (SPEC observer's rule). The server's FIN",
        "acks C, not C+1: likewise the server sent its FIN before the client's FIN arrived: FIN_WAIT_1.",
        "each side then received the other's FIN while its own FIN was not yet acknowledged: RFC 9293 3.10.7.4",
        "eighth, FIN-WAIT-1 'otherwise, enter the CLOSING state' (3.6 case 3, figure 13: both close simultaneously);",
        "each then received the ACK of its own FIN: CLOSING 'if the ACK acknowledges our FIN, then enter the",
        "TIME-WAIT state' (3.10.7.4 fifth). capture ends 1.3 s in, < 60 s.",
        "expected: client TIME_WAIT, server TIME_WAIT",
    ], [(C4, 41010, "TIME_WAIT", S4, 80, "TIME_WAIT")])


def fin_retransmit(cap):
    k = Conn(cap, C4, 41011, S4, 80, 0x44445555, 0x66667777)
    k.handshake()
    k.exchange()
    fs, _ = k.send("c", FIN | ACK, dt=1.0)
    k.send("c", FIN | ACK, dt=0.210, seq=fs)          # RTO retransmission
    k.send("c", FIN | ACK, dt=0.420, seq=fs)          # again, backed off
    k.send("s", ACK, dt=0.040)                        # ack = fs+1
    return ([
        "handshake, request/response; the client sends FIN (seq F) and retransmits it twice (same seq, 0.21 s and",
        "0.42 s apart: RTO backoff) before the server's ACK (ack F+1) is captured; the server never sends a FIN.",
        "client: ESTABLISHED -> FIN_WAIT_1 on its FIN (RFC 9293 3.10.4 CLOSE); the retransmissions are the same FIN, no change;",
        "the ACK of F+1 acknowledges the FIN: FIN_WAIT_1 -> FIN_WAIT_2 (3.10.7.4 fifth).",
        "server: the first FIN reached it (observer's rule): ESTABLISHED -> CLOSE_WAIT (3.10.7.4 eighth); the",
        "retransmitted FINs are duplicates below RCV.NXT (3.10.7.4 first: acked, dropped, state unchanged).",
        "it never closes: CLOSE_WAIT (SPEC 'fin_wait_2_orphan': the 'server never sends FIN' case). capture < 60 s.",
        "expected: client FIN_WAIT_2, server CLOSE_WAIT",
    ], [(C4, 41011, "FIN_WAIT_2", S4, 80, "CLOSE_WAIT")])


def stale_peer(cap):
    k = Conn(cap, C4, 41012, S4, 80, 0x77001100, 0x22003300)
    k.handshake()
    k.exchange()
    # the server reboots here: no packet; it loses the connection
    _, a = k.send("c", PSH | ACK, n=100, dt=10.0)     # data on the dead connection, ack = a
    k.send("s", RST, dt=0.040, seq=a, ack=0, win=0)   # reset generation from CLOSED
    return ([
        "established, one request/response; then 10 s of silence in which the server reboots (no packet) and loses",
        "the connection; the client sends 100 bytes (seq X, ack A); the server answers with a RST without ACK whose",
        "sequence number is A: RFC 9293 3.5.2 / 3.10.7.1 (CLOSED state): 'If the incoming segment has the ACK bit",
        "set, the reset takes its sequence number from the ACK field of the segment' (3.5.1 figure 10, half-open",
        "connection discovery). The server holds no connection: CLOSED.",
        "the client's RCV.NXT is A (it is what its data segment acknowledged), so the RST's sequence number is exactly",
        "the next expected one: accepted (3.10.7.4 second, RFC 5961 3.2): ESTABLISHED -> CLOSED.",
        "expected: client CLOSED, server CLOSED",
    ], [(C4, 41012, "CLOSED", S4, 80, "CLOSED")])


def reuse_after_rst(cap):
    k = Conn(cap, C4, 41013, S4, 80, 0x1F2E3D4C, 0x5B6A7988)
    k.handshake()
    k.exchange()
    k.send("c", RST | ACK, dt=0.5)                    # seq = client SND.NXT = server RCV.NXT
    k2 = Conn(cap, C4, 41013, S4, 80, 0x9C8B7A6F, 0x0E1D2C3B)
    k2.handshake(dt=1.0)                              # same 4-tuple, new ISNs
    k2.exchange(req=40, resp=80)
    return ([
        "row 1: handshake, request/response, then the client aborts: RST+ACK with seq = its SND.NXT, exactly the",
        "server's RCV.NXT. Client: ABORT sends the RST and enters CLOSED (RFC 9293 3.10.5). Server: the RST's",
        "sequence number is exactly RCV.NXT: accepted (3.10.7.4 second, RFC 5961 3.2), ESTABLISHED -> CLOSED.",
        "row 2: 1 s later a SYN from the same port 41013 with a new ISN (unrelated to the old sequence space):",
        "both ends are CLOSED, so it is a new connection (the server's listener takes it, 3.10.7.2), a new row;",
        "full handshake and one request/response, nothing closes: ESTABLISHED both.",
        "expected: row 1 client CLOSED, server CLOSED; row 2 client ESTABLISHED, server ESTABLISHED",
    ], [(C4, 41013, "CLOSED", S4, 80, "CLOSED"),
        (C4, 41013, "ESTABLISHED", S4, 80, "ESTABLISHED")])


def syn_retry_then_answer(cap):
    cisn = 0x48484848
    k = Conn(cap, C4, 41014, S4, 80, cisn, 0x59595959)
    k.send("c", SYN, opts=syn_opts())
    k.send("c", SYN, dt=1.0, seq=cisn, opts=syn_opts())
    k.send("c", SYN, dt=2.0, seq=cisn, opts=syn_opts())
    k.send("s", SYN | ACK, dt=0.040, win=65160, opts=syn_opts())
    k.send("c", ACK, dt=0.0001)
    k.exchange()
    return ([
        "the client's SYN (ISN c) is sent three times, 1 s then 2 s apart (RFC 9293 3.8.1 retransmission, RFC 6298",
        "initial RTO 1 s with backoff), all with the same ISN: the same connection attempt, not three (a new",
        "connection would carry a new ISN, 3.4.1). The first two went unanswered (the server's listen queue dropped",
        "them); the third is answered by a SYN-ACK acking c+1: server SYN_RCVD, client SYN_SENT -> ESTABLISHED",
        "(3.10.7.3); the client's ACK reaches the server: ESTABLISHED (3.10.7.4 fifth). One request/response follows.",
        "expected: one connection, client ESTABLISHED, server ESTABLISHED",
    ], [(C4, 41014, "ESTABLISHED", S4, 80, "ESTABLISHED")])


def ipv6_rst_refused(cap):
    cisn = 0x6A6B6C6D
    k = Conn(cap, C6, 41015, S6, 80, cisn, 0)
    k.send("c", SYN, opts=syn_opts())
    k.send("s", RST | ACK, dt=0.0001, seq=0, ack=cisn + 1, win=0)
    return ([
        "IPv6: SYN fd78::1:41015 -> fd78::2:80 (ISN c) answered by RST+ACK with seq 0, ack c+1 (RFC 9293 3.10.7.1:",
        "no connection, the SYN had no ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, the SYN counting one).",
        "client in SYN_SENT: 'If the ACK bit is set ... If SND.UNA < SEG.ACK =< SND.NXT, then the ACK is acceptable'",
        "and 'If the RST bit is set: If the ACK was acceptable, then signal to the user \"error: connection reset\",",
        "drop the segment, enter CLOSED state' (3.10.7.3; RFC 5961 3 keeps this for SYN-SENT): CLOSED.",
        "server: no listener, it holds no connection: CLOSED.",
        "expected: client CLOSED, server CLOSED",
    ], [(C6, 41015, "CLOSED", S6, 80, "CLOSED")])


def bad_ack(cap):
    cisn, sisn = 0x3A3B3C3D, 0x4E4F5051
    k = Conn(cap, C4, 41016, S4, 80, cisn, sisn)
    k.send("c", SYN, opts=syn_opts())                              # seq c
    k.send("s", SYN | ACK, dt=0.040, win=65160, opts=syn_opts())   # seq s, ack c+1
    bad = (sisn + 1000) % MOD
    k.send("c", ACK, dt=0.0001, ack=bad)                           # seq c+1, ack s+1000: wrong
    k.send("s", RST, dt=0.040, seq=bad, ack=0, win=0)              # <SEQ=SEG.ACK><CTL=RST>
    return ([
        "captured next to the client: SYN (ISN c), SYN-ACK (ISN s, ack c+1), then the client's third segment is an",
        "ACK with seq c+1 but ack s+1000, where s+1 was expected; the server answers with a RST without ACK,",
        "seq s+1000; nothing follows (the capture ends 40 ms later).",
        "server: LISTEN -> SYN_RCVD on the SYN (RFC 9293 3.10.7.2). The ACK is in sequence (SEG.SEQ = RCV.NXT = c+1,",
        "first check) but its ACK field is not acceptable: SND.UNA = s < SEG.ACK =< SND.NXT = s+1 fails (s+1000 > s+1).",
        "3.10.7.4 fifth, SYN-RECEIVED: 'If the segment acknowledgment is not acceptable, form a reset segment",
        "<SEQ=SEG.ACK><CTL=RST> and send it': that is the RST (seq s+1000, no ACK). No state change is named there:",
        "the segment is dropped and the server stays SYN_RCVD (its SYN-ACK still unacknowledged; Linux does the same,",
        "keeping the request socket). It does not reach ESTABLISHED: the handshake never completed (finding bad_ack).",
        "client: SYN_SENT -> ESTABLISHED on the SYN-ACK (3.10.7.3: its ACK c+1 is acceptable). Its next segment carries",
        "ack s+1000. A TCP's ACK field is its RCV.NXT (every ACK it forms is <SEQ=SND.NXT><ACK=RCV.NXT>), so by its",
        "own numbers - the only evidence of its TCB an observer has (SPEC: the receiver's own SEQ/ACK numbers tell) -",
        "the client's RCV.NXT is s+1000 (whatever made it so: a broken stack or a middlebox that rewrites the server's",
        "sequence numbers on one direction only). The RST's sequence number s+1000 equals that RCV.NXT exactly, which is",
        "what <SEQ=SEG.ACK> is designed for: the RST must be acceptable to the sender of the bad segment.",
        "3.10.7.4 second (RST check, RFC 5961 3.2): 'If the RST bit is set and the sequence number exactly matches the",
        "next expected sequence number (RCV.NXT), then TCP MUST reset the connection': ESTABLISHED -> CLOSED.",
        "cross-checks: (1) without RFC 5961 (RFC 793 rules) any in-window RST resets an ESTABLISHED connection, and s+1000",
        "is inside the client's window (64240 bytes) whether its RCV.NXT is s+1000 or s+1: CLOSED either way.",
        "(2) had the client kept RCV.NXT = s+1 from the SYN-ACK and applied RFC 5961, the RST would be in window but not",
        "exact and it MUST have answered with a challenge ACK (<SEQ=c+1><ACK=RCV.NXT>) and stayed ESTABLISHED; the",
        "capture, taken next to the client, shows no further segment from it: no challenge ACK, so the RST was accepted.",
        "expected: client CLOSED, server SYN_RCVD",
    ], [(C4, 41016, "CLOSED", S4, 80, "SYN_RCVD")])


CASES = [piggyback_fin, one_sided_client, starts_at_synack, midstream_close, rst_out_of_window,
         rst_challenge, rst_exact, seq_wrap, time_wait_expiry, simclose_other_order,
         fin_retransmit, stale_peer, reuse_after_rst, syn_retry_then_answer, ipv6_rst_refused,
         bad_ack]


def main():
    for i, fn in enumerate(CASES, 1):
        name = "crafted_" + fn.__name__
        cap = Capture(name, TS0 + 1000 * i)
        why, rows = fn(cap)
        cap.write()
        truth(name, why, rows)


if __name__ == "__main__":
    main()
