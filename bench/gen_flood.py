#!/usr/bin/env python3
"""gen_flood.py - write the synthetic SYN-flood captures of bench/flood_bench.sh.

Two kinds of capture, both Ethernet, microsecond pcap, correct IP and TCP
checksums, deterministic for a given --seed, all traffic to one target,
198.51.100.10:80 (the server), seen on the server's link:

  delay   background traffic for the whole capture: --bg-rate new connections
          per second (Poisson) from clients spread over the IPv4 space, RTT
          20-50 ms, each SYN / SYN-ACK / ACK, a request, a 200-4000 byte
          answer, FIN/ACK close by either side. A spoofed SYN flood of
          --rate SYN/s (random source address over the whole IPv4 space,
          random port and ISN, MSS option; SYN i at t0 + i/rate exactly)
          from t0 = --t0 s into the capture for --flood-secs s; the capture
          goes on --tail s after the flood's last SYN.
          The server is Linux with a listen backlog of 128 (--model):
            cookies  tcp_syncookies=1: a SYN that finds a free request slot
                     gets a real request (SYN-ACK, retransmitted after 1 s
                     and 3 s, the slot freed 7 s after the SYN: Linux cuts
                     the retries to 2 while its queue is over half full);
                     every other SYN gets one SYN cookie SYN-ACK, never
                     retransmitted. Legitimate clients always complete.
            backlog  tcp_syncookies=0: the same request slots, and a SYN
                     that finds them all taken is dropped without an answer.
                     A legitimate client whose SYN was dropped retransmits
                     it (same ISN) after 1, 3, 7, 15, 31 s until a slot is
                     free, then completes.
          A legitimate handshake holds a slot for one RTT.
  big     --syns spoofed SYNs (54-byte frames: no options, no answers from
          the server) at --rate SYN/s from --t0 s into the capture, plus
          --bg-rate legitimate connections per second (as above, always
          completing) for the whole capture, which goes on --tail s after
          the flood. Written by a template-patching loop (~1.5 us a SYN).

At the end one JSON line on standard output describes what was written
(times are epoch seconds of capture time): packets, t0 and first_syn (the
first flood SYN), last_syn, flood_syns, flood_synacks, legit, legit_retried
(legit clients that had to retransmit their SYN), end (last packet), target.

    bench/gen_flood.py delay --rate 1000 --model cookies -o /tmp/f.pcap
    bench/gen_flood.py big --syns 10000000 --rate 100000 -o /tmp/big.pcap
"""
import argparse
import heapq
import json
import os
import random
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata"))
from pcaplib import csum, ip_bytes  # noqa: E402  (shared with the test-capture generators)

EPOCH = 1700000000            # capture time 0 (whole seconds, so t0 falls on a second)
SERVER = ip_bytes("198.51.100.10")
SERVER_INT = struct.unpack("!I", SERVER)[0]
SERVER_PORT = 80
ETH = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
SYN, ACK, FIN, PSH = 0x02, 0x10, 0x01, 0x08
MSS_OPT = b"\x02\x04\x05\xb4"
US = 1000000
BACKLOG = 128                 # request slots (the listen backlog)
SYNACK_RETRIES = (1 * US, 3 * US)   # SYN-ACK retransmissions after the SYN
REQUEST_LIFE = 7 * US         # a request that is never completed frees its slot then
SYN_RTO = (1, 3, 7, 15, 31, 63)     # a client's SYN retransmissions, s after the first
SERVER_DELAY = 100            # us from a segment to the server's answer on its link
REC = struct.Struct("<IIII")


class Writer:
    """A pcap file written through a large buffer."""

    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        self.buf = bytearray()
        self.n = 0
        self.last = 0

    def emit(self, ts_us, frame):
        self.buf += REC.pack(EPOCH + ts_us // US, ts_us % US, len(frame), len(frame))
        self.buf += frame
        self.n += 1
        self.last = ts_us
        if len(self.buf) > 1 << 22:
            self.f.write(self.buf)
            self.buf = bytearray()

    def raw(self, data, count, last_ts):
        """Records already formatted (the big capture's flood blocks)."""
        if self.buf:
            self.f.write(self.buf)
            self.buf = bytearray()
        self.f.write(data)
        self.n += count
        self.last = last_ts

    def close(self):
        self.f.write(self.buf)
        self.f.close()


def fold(s):
    s = (s & 0xFFFF) + (s >> 16)
    return (s & 0xFFFF) + (s >> 16)


def frame(src, dst, sport, dport, seq, ack, flags, plen, ipid=0):
    """One IPv4 TCP frame, checksums by pcaplib.csum (the slow, general path)."""
    opts = MSS_OPT if flags & SYN else b""
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      (20 + len(opts)) << 2, flags, 64240, 0, 0) + opts + b"x" * plen
    c = csum(src + dst + struct.pack("!BBH", 0, 6, len(seg)) + seg)
    seg = seg[:16] + struct.pack("!H", c) + seg[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), ipid, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ETH + ip + seg


class FastSeg:
    """Frames of one shape (flags, options, no payload) from a template: the
    variable fields are patched in with struct.pack_into and the checksums
    updated from the template's partial sums, no pass over the bytes."""
    IP = struct.Struct("!HHBBHII")     # at 18: ipid, frag, ttl, proto, csum, src, dst
    TCP = struct.Struct("!HHII")       # at 34: sport, dport, seq, ack
    CS = struct.Struct("!H")           # at 50: tcp checksum

    def __init__(self, flags, mss):
        """self.clean: the template, addresses, ports, seq, ack, ipid and
        checksums zero (self.tmpl is patched in place by make())."""
        if mss:
            self.tmpl = bytearray(frame(b"\0" * 4, b"\0" * 4, 0, 0, 0, 0, flags, 0))
        else:                          # no options, even on a SYN: a 54-byte frame
            seg = struct.pack("!HHIIBBHHH", 0, 0, 0, 0, 5 << 4, flags, 64240, 0, 0)
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0x4000, 64, 6, 0, b"\0" * 4, b"\0" * 4)
            self.tmpl = bytearray(ETH + ip + seg)
        t = self.tmpl
        t[24:26] = b"\0\0"
        t[50:52] = b"\0\0"
        seglen = len(t) - 34
        # the partial sums of everything that stays (a folded ones' complement sum)
        self.ip_base = (~csum(bytes(t[14:34]))) & 0xFFFF
        self.tcp_base = (~csum(struct.pack("!BBH", 0, 6, seglen) + bytes(t[34:]))) & 0xFFFF
        self.clean = bytes(t)

    def make(self, src, dst, sport, dport, seq, ack, ipid):
        t = self.tmpl
        a = (src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF)
        self.IP.pack_into(t, 18, ipid, 0x4000, 64, 6, fold(self.ip_base + a + ipid) ^ 0xFFFF,
                          src, dst)
        self.TCP.pack_into(t, 34, sport, dport, seq, ack)
        self.CS.pack_into(t, 50, fold(self.tcp_base + a + sport + dport + (seq >> 16) +
                                      (seq & 0xFFFF) + (ack >> 16) + (ack & 0xFFFF)) ^ 0xFFFF)
        return bytes(t)


def check_fast(fs, rng):
    """The template path against the general one, on a few random frames."""
    for _ in range(64):
        v = [rng.getrandbits(32), rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(16),
             rng.getrandbits(32), rng.getrandbits(32), rng.getrandbits(16)]
        f = fs.make(*v)
        ip = f[14:34]
        seg = f[34:]
        assert csum(ip) == 0, "IP checksum of the template path"
        assert csum(ip[12:20] + struct.pack("!BBH", 0, 6, len(seg)) + seg) == 0, \
            "TCP checksum of the template path"


def client_addr(rng):
    """A unicast IPv4 address anywhere (not 0/8, 127/8, 224/3, nor the server)."""
    while True:
        a = rng.getrandbits(32)
        top = a >> 24
        if top not in (0, 127) and top < 224 and a != SERVER_INT:
            return a


def legit_packets(rng, t, cli, cport, iss_c, rtt, closer):
    """(ts_us, frame) of one legitimate connection whose SYN the server
    answers at t (the SYN itself is written by the caller)."""
    c, s = struct.pack("!I", cli), SERVER
    sp = SERVER_PORT
    iss_s = rng.getrandbits(32)
    req, resp = rng.randint(50, 600), rng.randint(200, 4000)
    cs, ss = iss_c + 1, iss_s + 1      # next sequence numbers
    p = [(t + SERVER_DELAY, frame(s, c, sp, cport, iss_s, cs, SYN | ACK, 0))]
    t1 = t + rtt                       # the client's ACK and request
    p.append((t1, frame(c, s, cport, sp, cs, ss, ACK, 0)))
    p.append((t1 + 50, frame(c, s, cport, sp, cs, ss, PSH | ACK, req)))
    cs += req
    tt = t1 + 50 + SERVER_DELAY
    sent = 0
    while sent < resp:                 # the answer, back to back
        n = min(1448, resp - sent)
        p.append((tt, frame(s, c, sp, cport, ss, cs, PSH | ACK, n)))
        ss += n
        sent += n
        tt += 20
    t2 = tt + rtt                      # the client's ACK of the answer
    p.append((t2, frame(c, s, cport, sp, cs, ss, ACK, 0)))
    if closer == 0:                    # the client closes first
        t3 = t2 + rng.randint(1000, 20000)
        p.append((t3, frame(c, s, cport, sp, cs, ss, FIN | ACK, 0)))
        p.append((t3 + SERVER_DELAY, frame(s, c, sp, cport, ss, cs + 1, FIN | ACK, 0)))
        p.append((t3 + SERVER_DELAY + rtt, frame(c, s, cport, sp, cs + 1, ss + 1, ACK, 0)))
    else:                              # the server closes first, after the answer
        t3 = tt + 10
        p.append((t3, frame(s, c, sp, cport, ss, cs, FIN | ACK, 0)))
        p.append((t2 + 10, frame(c, s, cport, sp, cs, ss + 1, FIN | ACK, 0)))
        p.append((t2 + 10 + SERVER_DELAY, frame(s, c, sp, cport, ss + 1, cs + 1, ACK, 0)))
    return p


def legit_starts(rng, rate, start_us, stop_us):
    """Poisson arrivals of legitimate connections."""
    out = []
    t = start_us
    while rate > 0:
        t += int(rng.expovariate(rate) * US) + 1
        if t >= stop_us:
            return out
        out.append(t)
    return out


def gen_delay(a):
    rng = random.Random(a.seed * 1000003 + int(a.rate))
    w = Writer(a.output)
    syn_t = FastSeg(SYN, True)
    synack_t = FastSeg(SYN | ACK, True)
    check_fast(syn_t, random.Random(7))
    check_fast(synack_t, random.Random(8))
    t0 = int(a.t0 * US)
    nflood = int(round(a.rate * a.flood_secs))
    flood_ts = [t0 + (i * US) // int(a.rate) for i in range(nflood)] if nflood else []
    last_syn = flood_ts[-1] if nflood else t0
    stop = last_syn + int(a.tail * US)
    # legitimate clients: arrivals until 1 s before the end, so they finish
    arrivals = []                      # (ts, order, conn, attempt)
    conns = []
    for i, ts in enumerate(legit_starts(rng, a.bg_rate, 0, stop - US)):
        conns.append((ts, client_addr(rng), rng.randint(32768, 60999), rng.getrandbits(32),
                      rng.randint(20000, 50000), rng.getrandbits(1)))
        arrivals.append((ts, i, i, 0))
    heapq.heapify(arrivals)
    slots = []                         # release times of the taken request slots
    out = []                           # (ts, order, frame) not yet written
    order = 0
    synacks = retried = 0
    cookies = a.model == "cookies"
    gb = rng.getrandbits

    def take_slot(t, until):
        while slots and slots[0] <= t:
            heapq.heappop(slots)
        if len(slots) < BACKLOG:
            heapq.heappush(slots, until)
            return True
        return False

    fi = 0
    while fi < nflood or arrivals:
        if fi < nflood and (not arrivals or flood_ts[fi] <= arrivals[0][0]):
            t = flood_ts[fi]
            fi += 1
            while out and out[0][0] <= t:
                ts, _, f = heapq.heappop(out)
                w.emit(ts, f)
            r = gb(96)
            src = (r >> 48) & 0xFFFFFFFF or 1
            sport = 1024 + (r & 0xFFFF) % 64512
            seq = (r >> 16) & 0xFFFFFFFF
            w.emit(t, syn_t.make(src, SERVER_INT, sport, SERVER_PORT, seq, 0, r >> 80))
            if take_slot(t, t + REQUEST_LIFE):
                f = synack_t.make(SERVER_INT, src, SERVER_PORT, sport, gb(32), (seq + 1) & 0xFFFFFFFF,
                                  gb(16))
                for d in (SERVER_DELAY,) + SYNACK_RETRIES:
                    heapq.heappush(out, (t + d, order, f))
                    order += 1
                synacks += 3
            elif cookies:
                f = synack_t.make(SERVER_INT, src, SERVER_PORT, sport, gb(32), (seq + 1) & 0xFFFFFFFF,
                                  gb(16))
                heapq.heappush(out, (t + SERVER_DELAY, order, f))
                order += 1
                synacks += 1
        else:
            t, _, ci, attempt = heapq.heappop(arrivals)
            while out and out[0][0] <= t:
                ts, _, f = heapq.heappop(out)
                w.emit(ts, f)
            t_first, cli, cport, iss, rtt, closer = conns[ci]
            w.emit(t, frame(struct.pack("!I", cli), SERVER, cport, SERVER_PORT, iss, 0, SYN, 0))
            if take_slot(t, t + rtt) or cookies:
                for ts, f in legit_packets(rng, t, cli, cport, iss, rtt, closer):
                    heapq.heappush(out, (ts, order, f))
                    order += 1
            else:
                if attempt == 0:
                    retried += 1
                if attempt < len(SYN_RTO):
                    heapq.heappush(arrivals, (t_first + SYN_RTO[attempt] * US, ci, ci, attempt + 1))
    while out:
        ts, _, f = heapq.heappop(out)
        w.emit(ts, f)
    w.close()
    return {"packets": w.n, "flood_syns": nflood, "flood_synacks": synacks,
            "legit": len(conns), "legit_retried": retried,
            "t0": EPOCH + t0 / US, "first_syn": EPOCH + (flood_ts[0] if nflood else t0) / US,
            "last_syn": EPOCH + last_syn / US, "end": EPOCH + w.last / US}


def gen_big(a):
    rng = random.Random(a.seed * 1000003 + 17)
    w = Writer(a.output)
    syn_t = FastSeg(SYN, False)
    check_fast(syn_t, random.Random(9))
    rate = int(a.rate)
    t0 = int(a.t0 * US)
    n = a.syns
    last_syn = t0 + ((n - 1) * US) // rate if n else t0
    stop = last_syn + int(a.tail * US)
    # the legitimate connections, all of their packets, in time order
    legit = []
    starts = legit_starts(rng, a.bg_rate, 0, stop - US)
    for ts in starts:
        cli, cport, iss = client_addr(rng), rng.randint(32768, 60999), rng.getrandbits(32)
        rtt = rng.randint(20000, 50000)
        legit.append((ts, frame(struct.pack("!I", cli), SERVER, cport, SERVER_PORT, iss, 0, SYN, 0)))
        legit.extend(legit_packets(rng, ts, cli, cport, iss, rtt, rng.getrandbits(1)))
    legit.sort(key=lambda p: p[0])
    li = 0

    # flood records, patched into a block of whole records
    tmpl = bytearray(syn_t.clean)
    tmpl[30:34] = SERVER               # dst, counted in ipb and tcpb below
    tmpl = bytes(tmpl)
    flen = len(tmpl)
    rlen = 16 + flen
    block = 65536
    rec = REC.pack(0, 0, flen, flen) + tmpl
    buf = bytearray(rec * block)
    p_ts = struct.Struct("<II").pack_into
    p_ip = struct.Struct("!HHBBHI").pack_into     # at 18: ipid .. src (dst stays)
    p_tcp = struct.Struct("!HHI").pack_into       # at 34: sport, dport, seq
    p_cs = struct.Struct("!H").pack_into
    ipb = syn_t.ip_base + (SERVER_INT >> 16) + (SERVER_INT & 0xFFFF)
    tcpb = syn_t.tcp_base + (SERVER_INT >> 16) + (SERVER_INT & 0xFFFF) + SERVER_PORT
    gb = rng.getrandbits
    i = 0
    while i < n:
        m = min(block, n - i)
        off = 0
        for k in range(i, i + m):
            ts = t0 + (k * US) // rate
            r = gb(96)
            src = (r >> 48) & 0xFFFFFFFF or 1
            sport = 1024 + (r & 0xFFFF) % 64512
            seq = (r >> 16) & 0xFFFFFFFF
            ipid = r >> 80
            a4 = (src >> 16) + (src & 0xFFFF)
            s = ipb + a4 + ipid
            s = (s & 0xFFFF) + (s >> 16)
            s = (s & 0xFFFF) + (s >> 16)
            c = tcpb + a4 + sport + (seq >> 16) + (seq & 0xFFFF)
            c = (c & 0xFFFF) + (c >> 16)
            c = (c & 0xFFFF) + (c >> 16)
            p_ts(buf, off, (EPOCH + ts // US), ts % US)
            p_ip(buf, off + 34, ipid, 0x4000, 64, 6, s ^ 0xFFFF, src)
            p_tcp(buf, off + 50, sport, SERVER_PORT, seq)
            p_cs(buf, off + 66, c ^ 0xFFFF)
            off += rlen
        # write the block with the legitimate packets that fall before its end
        # (all that are left after the last block)
        mv = memoryview(buf)
        pos = i
        block_end = t0 + ((i + m) * US) // rate if i + m < n else None
        while li < len(legit) and (block_end is None or legit[li][0] < block_end):
            ts, f = legit[li]
            # the first flood SYN at or after ts: (j * US) // rate >= x <=> j >= x * rate / US
            j = min(i + m, max(pos, -(-(ts - t0) * rate // US)))
            if j > pos:
                w.raw(mv[(pos - i) * rlen:(j - i) * rlen], j - pos, t0 + ((j - 1) * US) // rate)
                pos = j
            w.emit(ts, f)
            li += 1
        if i + m > pos:
            w.raw(mv[(pos - i) * rlen:m * rlen], i + m - pos, t0 + ((i + m - 1) * US) // rate)
        i += m
    while li < len(legit):
        ts, f = legit[li]
        w.emit(ts, f)
        li += 1
    w.close()
    return {"packets": w.n, "flood_syns": n, "flood_synacks": 0, "legit": len(starts),
            "legit_retried": 0, "t0": EPOCH + t0 / US, "first_syn": EPOCH + t0 / US,
            "last_syn": EPOCH + last_syn / US, "end": EPOCH + w.last / US}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    sub = ap.add_subparsers(dest="kind", required=True)
    d = sub.add_parser("delay", help="background traffic with a flood at t0")
    d.add_argument("--rate", type=float, required=True, help="flood SYNs per second")
    d.add_argument("--model", choices=("cookies", "backlog"), default="cookies")
    d.add_argument("--t0", type=float, default=10.0, help="flood start, s into the capture")
    d.add_argument("--flood-secs", type=float, default=10.0, help="flood duration, s")
    d.add_argument("--tail", type=float, default=20.0, help="capture after the flood's last SYN, s")
    d.add_argument("--bg-rate", type=float, default=50.0, help="legitimate connections per second")
    b = sub.add_parser("big", help="millions of spoofed SYNs, few legitimate connections")
    b.add_argument("--syns", type=int, default=10000000)
    b.add_argument("--rate", type=float, default=100000.0, help="flood SYNs per second")
    b.add_argument("--t0", type=float, default=5.0, help="flood start, s into the capture")
    b.add_argument("--tail", type=float, default=15.0, help="capture after the flood's last SYN, s")
    b.add_argument("--bg-rate", type=float, default=10.0, help="legitimate connections per second")
    for p in (d, b):
        p.add_argument("--seed", type=int, default=1)
        p.add_argument("-o", "--output", required=True)
    a = ap.parse_args()
    if a.rate <= 0 or a.rate != int(a.rate):
        ap.error("--rate must be a whole positive number")
    info = gen_delay(a) if a.kind == "delay" else gen_big(a)
    info.update({"kind": a.kind, "file": a.output, "target": "198.51.100.10:%d" % SERVER_PORT,
                 "rate": int(a.rate), "model": getattr(a, "model", "silent")})
    print(json.dumps(info, sort_keys=True))


if __name__ == "__main__":
    main()
