#!/usr/bin/env python3
"""flood.py - traffic generators of the SYN-flood capture kit (stdlib only).

Run by testdata/floods/run.sh inside the network namespaces it creates (as
root: the generators use raw sockets).  Every generator can wait for an
absolute wall-clock instant (--start-at EPOCH) so that several of them start
together, and writes one JSON summary line at the end to --log FILE (written
whole, then renamed into place, so its appearance means "finished") or to
stdout.

  flood.py syn --dst IP --dport P --rate N --duration S --src-net NET --seed K
      Spoofed SYN flood through a raw socket (IPPROTO_RAW: the IP header is
      ours, IP and TCP checksums computed here).  Each SYN has a random source
      address in NET (not its network or broadcast address), a random source
      port 1024-65535, a random ISN and an MSS option.  rate*duration SYNs,
      SYN i sent at first_send + i/rate (paced against the monotonic clock,
      sent in small batches, never ahead of time).  Summary: first_send,
      last_send (time.time() right before the first / last sendto), sent,
      distinct_sources (exact count of distinct source addresses used), ...

  flood.py synack --dst IP --dport-range A-B --rate N --duration S --src-net NET --seed K
      Reflection backscatter: unsolicited SYN-ACKs from random spoofed
      "servers" in NET, source port 80 or 443, to DST at random ports A..B,
      random seq and ack.  Same pacing and summary as syn.

  flood.py crowd --src LIST --dst IP --dport P --count N [--rate R]
      N real connect()s (non-blocking, selectors) from the source addresses in
      LIST (comma-separated, "A-B" ranges of addresses allowed, used round
      robin), at R per second (0: as fast as possible, at most --concurrency
      in flight).  Each sends one line, reads the reply line and closes.  A
      connection not done within --timeout seconds, or still pending at
      --deadline EPOCH, is closed and counted failed.  Summary: attempted,
      completed, failed (refused / timeout / abandoned / error), first/last
      start and done times, slowest connect().

  flood.py scan --src IP --dst IP --ports A-B
      connect() scan (non-blocking, --timeout 1 s, --concurrency in flight) of
      ports A..B: open ports are closed again at once, closed ones answer RST.
      Summary: attempted, open (list), refused, timeout, first/last send.

  flood.py serve --bind IP --port P --backlog N --ready FILE
      Listener (selectors, one thread): accepts, reads the client's line,
      answers one line and closes (the server closes first).  Writes its pid
      to FILE once listening; runs until killed.

  flood.py pcapstat FILE [--spoof-net NET]
      Tiny pcap reader (microsecond or nanosecond pcap, Ethernet or raw IP):
      first and last timestamps, counts of SYN, SYN-ACK, RST, FIN segments (and
      how many of them involve an address of the spoofed net), distinct SYN-ACK
      4-tuples (so retransmissions), bad checksums.  JSON on stdout.
"""
import argparse
import errno
import ipaddress
import json
import os
import random
import selectors
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pcaplib import csum  # noqa: E402  (testdata/pcaplib.py)

IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)
TCP_SYN, TCP_ACK, TCP_RST, TCP_FIN = 0x02, 0x10, 0x04, 0x01


def log(*a):
    print("[flood.py %.6f]" % time.time(), *a, file=sys.stderr, flush=True)


def emit(a, summary):
    line = json.dumps(summary, sort_keys=True)
    if a.log:
        tmp = a.log + ".tmp"
        with open(tmp, "w") as f:
            f.write(line + "\n")
        os.rename(tmp, a.log)
    else:
        print(line, flush=True)


def wait_until(epoch):
    """Sleep until time.time() >= epoch (coarse sleep, then a short spin)."""
    if not epoch:
        return
    while True:
        d = epoch - time.time()
        if d <= 0:
            return
        time.sleep(d - 0.002 if d > 0.003 else 0.0002)


# ------------------------------------------------------------------ raw packets

def tcp_ip_packet(src, dst, sport, dport, seq, ack, flags, ipid, opts=b"\x02\x04\x05\xb4"):
    """IPv4 + TCP segment (no payload) with correct checksums; src/dst as 4 bytes."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, (5 + len(opts) // 4) << 4,
                      flags, 64240, 0, 0) + opts
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), ipid, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def random_host(rnd, net):
    """A random host address of net (never its network or broadcast address)."""
    base = int(net.network_address)
    n = net.num_addresses
    if n <= 2:
        return base
    return base + rnd.randrange(1, n - 1)


def paced_send(a, packets, dst):
    """Send packets at a.rate per second, packet i not before t0 + i/rate
    (monotonic clock); returns (first_send, last_send, sent, errors)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    n = len(packets)
    wait_until(a.start_at)
    rate = float(a.rate)
    sent = errors = 0
    first = last = None
    t0 = time.monotonic()
    i = 0
    while i < n:
        due = min(n, int((time.monotonic() - t0) * rate) + 1)
        while i < due:
            now = time.time()
            if first is None:
                first = now
            if i == n - 1:
                last = now
            try:
                s.sendto(packets[i], (dst, 0))
                sent += 1
            except OSError as e:
                errors += 1
                if errors <= 5:
                    log("sendto:", e)
            i += 1
        if i < n:
            wake = t0 + i / rate
            d = wake - time.monotonic()
            if d > 0:
                time.sleep(d)
    s.close()
    return first, last, sent, errors


def run_syn(a):
    rnd = random.Random(a.seed)
    net = ipaddress.IPv4Network(a.src_net)
    n = int(round(a.rate * a.duration))
    dst = socket.inet_aton(a.dst)
    pkts, srcs = [], set()
    for _ in range(n):
        src = random_host(rnd, net)
        srcs.add(src)
        pkts.append(tcp_ip_packet(struct.pack("!I", src), dst, rnd.randint(1024, 65535), a.dport,
                                  rnd.getrandbits(32), 0, TCP_SYN, rnd.getrandbits(16)))
    first, last, sent, errors = paced_send(a, pkts, a.dst)
    summary = {"kind": "syn", "dst": a.dst, "dport": a.dport, "rate": a.rate, "duration": a.duration,
               "src_net": a.src_net, "seed": a.seed, "planned": n, "sent": sent, "send_errors": errors,
               "first_send": round(first, 6), "last_send": round(last, 6),
               "distinct_sources": len(srcs)}
    emit(a, summary)
    log("syn flood: sent %d SYNs in %.3f s from %d sources" % (sent, last - first, len(srcs)))
    return 0 if sent == n else 1


def run_synack(a):
    rnd = random.Random(a.seed)
    net = ipaddress.IPv4Network(a.src_net)
    lo, hi = (int(x) for x in a.dport_range.split("-"))
    n = int(round(a.rate * a.duration))
    dst = socket.inet_aton(a.dst)
    pkts, srcs = [], set()
    for _ in range(n):
        src = random_host(rnd, net)
        srcs.add(src)
        pkts.append(tcp_ip_packet(struct.pack("!I", src), dst, rnd.choice((80, 443)),
                                  rnd.randint(lo, hi), rnd.getrandbits(32), rnd.getrandbits(32),
                                  TCP_SYN | TCP_ACK, rnd.getrandbits(16)))
    first, last, sent, errors = paced_send(a, pkts, a.dst)
    summary = {"kind": "synack", "dst": a.dst, "dport_range": a.dport_range, "rate": a.rate,
               "duration": a.duration, "src_net": a.src_net, "seed": a.seed, "planned": n,
               "sent": sent, "send_errors": errors, "first_send": round(first, 6),
               "last_send": round(last, 6), "distinct_sources": len(srcs)}
    emit(a, summary)
    log("backscatter: sent %d SYN-ACKs in %.3f s from %d sources" % (sent, last - first, len(srcs)))
    return 0 if sent == n else 1


# ------------------------------------------------------------------ real TCP clients

def expand_addrs(spec):
    out = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            lo, hi = (int(ipaddress.IPv4Address(x)) for x in part.split("-"))
            out.extend(str(ipaddress.IPv4Address(i)) for i in range(lo, hi + 1))
        else:
            out.append(str(ipaddress.IPv4Address(part)))
    return out


def run_crowd(a):
    srcs = expand_addrs(a.src)
    sel = selectors.DefaultSelector()
    res = {"completed": 0, "refused": 0, "timeout": 0, "abandoned": 0, "error": 0}
    times = {"first_start": None, "last_start": None, "first_done": None, "last_done": None}
    conn_max = [0.0]
    inflight = {}                      # fd -> [sock, phase, start_mono, buf, idx, connected_mono]
    wait_until(a.start_at)
    t0 = time.monotonic()
    launched = 0

    def finish(fd, outcome):
        st = inflight.pop(fd)
        try:
            sel.unregister(st[0])
        except (KeyError, ValueError):
            pass
        st[0].close()
        res[outcome] += 1
        if outcome == "completed":
            now = time.time()
            if times["first_done"] is None:
                times["first_done"] = now
            times["last_done"] = now
        elif outcome != "abandoned":
            log("connection %d from %s: %s" % (st[4], srcs[st[4] % len(srcs)], outcome))

    while launched < a.count or inflight:
        now = time.monotonic()
        if a.deadline and time.time() >= a.deadline:
            for fd in list(inflight):
                finish(fd, "abandoned")
            break
        while (launched < a.count and len(inflight) < a.concurrency
               and (a.rate <= 0 or launched < int((now - t0) * a.rate) + 1)):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
            s.bind((srcs[launched % len(srcs)], 0))
            wall = time.time()
            if times["first_start"] is None:
                times["first_start"] = wall
            times["last_start"] = wall
            rc = s.connect_ex((a.dst, a.dport))
            inflight[s.fileno()] = [s, "connect", time.monotonic(), b"", launched, None]
            launched += 1
            if rc not in (0, errno.EINPROGRESS):
                finish(s.fileno(), "refused" if rc == errno.ECONNREFUSED else "error")
                continue
            sel.register(s, selectors.EVENT_WRITE)
        # how long may we block
        tmo = 0.05
        if launched < a.count and a.rate > 0 and len(inflight) < a.concurrency:
            tmo = min(tmo, max(0.0, t0 + launched / a.rate - time.monotonic()))
        for key, _ in sel.select(tmo):
            s = key.fileobj
            fd = s.fileno()
            st = inflight.get(fd)
            if st is None:
                continue
            if st[1] == "connect":
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    finish(fd, "refused" if err == errno.ECONNREFUSED else "error")
                    continue
                st[5] = time.monotonic()
                conn_max[0] = max(conn_max[0], st[5] - st[2])
                try:
                    s.send(b"HELLO %d\n" % st[4])
                except OSError:
                    finish(fd, "error")
                    continue
                st[1] = "reply"
                sel.modify(s, selectors.EVENT_READ)
            else:
                try:
                    d = s.recv(4096)
                except OSError:
                    finish(fd, "error")
                    continue
                if not d:
                    finish(fd, "error")
                    continue
                st[3] += d
                if b"\n" in st[3]:
                    finish(fd, "completed")
        now = time.monotonic()
        for fd in [fd for fd, st in inflight.items() if now - st[2] > a.timeout]:
            finish(fd, "timeout")
    failed = res["refused"] + res["timeout"] + res["abandoned"] + res["error"]
    summary = {"kind": "crowd", "dst": a.dst, "dport": a.dport, "sources": len(srcs),
               "rate": a.rate, "planned": a.count, "attempted": launched,
               "completed": res["completed"], "failed": failed,
               "refused": res["refused"], "timeout": res["timeout"],
               "abandoned": res["abandoned"], "error": res["error"],
               "connect_max_s": round(conn_max[0], 6)}
    for k, v in times.items():
        summary[k] = round(v, 6) if v is not None else None
    emit(a, summary)
    log("crowd: %d attempted, %d completed, %d failed" % (launched, res["completed"], failed))
    return 0


def run_scan(a):
    lo, hi = (int(x) for x in a.ports.split("-"))
    ports = list(range(lo, hi + 1))
    sel = selectors.DefaultSelector()
    inflight = {}                      # fd -> (sock, port, start)
    opened, refused, timeout, error = [], 0, 0, 0
    first = last = None
    wait_until(a.start_at)
    i = 0
    while i < len(ports) or inflight:
        while i < len(ports) and len(inflight) < a.concurrency:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
            s.bind((a.src, 0))
            last = time.time()
            if first is None:
                first = last
            rc = s.connect_ex((a.dst, ports[i]))
            if rc in (0, errno.EINPROGRESS):
                inflight[s.fileno()] = (s, ports[i], time.monotonic())
                sel.register(s, selectors.EVENT_WRITE)
            elif rc == errno.ECONNREFUSED:
                refused += 1
                s.close()
            else:
                error += 1
                s.close()
            i += 1
        for key, _ in sel.select(0.05):
            s = key.fileobj
            sk, port, _t = inflight.pop(s.fileno())
            sel.unregister(s)
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err == 0:
                opened.append(port)
            elif err == errno.ECONNREFUSED:
                refused += 1
            else:
                error += 1
            s.close()
        now = time.monotonic()
        for fd in [fd for fd, v in inflight.items() if now - v[2] > a.timeout]:
            s = inflight.pop(fd)[0]
            sel.unregister(s)
            s.close()
            timeout += 1
    summary = {"kind": "scan", "src": a.src, "dst": a.dst, "ports": a.ports, "attempted": len(ports),
               "open": sorted(opened), "refused": refused, "timeout": timeout, "error": error,
               "first_send": round(first, 6), "last_send": round(last, 6)}
    emit(a, summary)
    log("scan: %d ports, open %s, %d refused, %d timed out" % (len(ports), opened, refused, timeout))
    return 0


# ------------------------------------------------------------------ server

def run_serve(a):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.bind, a.port))
    ls.listen(a.backlog)
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ)
    bufs = {}
    with open(a.ready + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(a.ready + ".tmp", a.ready)
    log("listening on %s:%d backlog %d" % (a.bind, a.port, a.backlog))
    served = 0

    def drop(c):
        bufs.pop(c.fileno(), None)
        sel.unregister(c)
        c.close()

    while True:
        for key, _ in sel.select(1.0):
            s = key.fileobj
            if s is ls:
                for _ in range(256):
                    try:
                        c, _addr = ls.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError as e:
                        log("accept:", e)
                        break
                    c.setblocking(False)
                    bufs[c.fileno()] = b""
                    sel.register(c, selectors.EVENT_READ)
                continue
            try:
                d = s.recv(4096)
            except OSError:
                drop(s)
                continue
            if not d:                  # the client closed without a line (a scanner)
                drop(s)
                continue
            b = bufs[s.fileno()] + d
            if b"\n" not in b:
                bufs[s.fileno()] = b
                continue
            served += 1
            try:
                s.send(b"OK %d\n" % served)
            except OSError:
                pass
            drop(s)


# ------------------------------------------------------------------ pcap reader

def run_pcapstat(a):
    spoof = ipaddress.IPv4Network(a.spoof_net) if a.spoof_net else None
    with open(a.file, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    else:
        e = ">"
        magic = struct.unpack(">I", data[:4])[0]
        if magic not in (0xA1B2C3D4, 0xA1B23C4D):
            sys.exit("pcapstat: %s is not a pcap file" % a.file)
    div = 1e9 if magic == 0xA1B23C4D else 1e6
    linktype = struct.unpack(e + "I", data[20:24])[0]
    off = 24
    st = {"packets": 0, "ipv4_tcp": 0, "syn": 0, "syn_from_spoofed": 0, "synack": 0,
          "synack_to_spoofed": 0, "synack_from_spoofed": 0, "synack_distinct": 0,
          "rst": 0, "rst_to_spoofed": 0, "fin": 0, "other": 0, "bad_checksum": 0, "truncated": 0,
          "first_ts": None, "last_ts": None}
    synacks = set()
    first_ts = last_ts = None
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(e + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        st["packets"] += 1
        ts = (sec, frac)
        if first_ts is None:
            first_ts = ts
        last_ts = ts
        if linktype == 1:
            if len(pkt) < 14 or struct.unpack("!H", pkt[12:14])[0] != 0x0800:
                continue
            ip = pkt[14:]
        elif linktype in (12, 101, 228):
            ip = pkt
        else:
            continue
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6:
            continue
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack("!H", ip[2:4])[0]
        tcp = ip[ihl:tot]
        if len(tcp) < 20:
            st["truncated"] += 1
            continue
        st["ipv4_tcp"] += 1
        src, dst = ip[12:16], ip[16:20]
        if len(ip) >= tot:
            if csum(ip[:ihl]) != 0 or csum(src + dst + struct.pack("!BBH", 0, 6, len(tcp)) + tcp) != 0:
                st["bad_checksum"] += 1
        else:
            st["truncated"] += 1
        fl = tcp[13]
        sport, dport = struct.unpack("!HH", tcp[:4])
        s_sp = spoof is not None and ipaddress.IPv4Address(src) in spoof
        d_sp = spoof is not None and ipaddress.IPv4Address(dst) in spoof
        if fl & TCP_RST:
            st["rst"] += 1
            st["rst_to_spoofed"] += d_sp
        elif fl & TCP_SYN and fl & TCP_ACK:
            st["synack"] += 1
            st["synack_to_spoofed"] += d_sp
            st["synack_from_spoofed"] += s_sp
            synacks.add((src, sport, dst, dport))
        elif fl & TCP_SYN:
            st["syn"] += 1
            st["syn_from_spoofed"] += s_sp
        elif fl & TCP_FIN:
            st["fin"] += 1
        else:
            st["other"] += 1
    st["synack_distinct"] = len(synacks)
    fmt = "%d.%09d" if div == 1e9 else "%d.%06d"
    if first_ts is not None:
        st["first_ts"] = fmt % first_ts
        st["last_ts"] = fmt % last_ts
    st["linktype"] = linktype
    st["bytes"] = len(data)
    print(json.dumps(st, sort_keys=True))
    return 0


# ------------------------------------------------------------------ main

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(sp):
        sp.add_argument("--start-at", type=float, default=0.0, help="wall-clock epoch to start at")
        sp.add_argument("--log", help="write the JSON summary here instead of stdout")

    for name in ("syn", "synack"):
        sp = sub.add_parser(name)
        common(sp)
        sp.add_argument("--dst", required=True)
        if name == "syn":
            sp.add_argument("--dport", type=int, required=True)
        else:
            sp.add_argument("--dport-range", default="1024-65535")
        sp.add_argument("--rate", type=float, required=True)
        sp.add_argument("--duration", type=float, required=True)
        sp.add_argument("--src-net", default="10.78.128.0/17")
        sp.add_argument("--seed", type=int, default=1)
    sp = sub.add_parser("crowd")
    common(sp)
    sp.add_argument("--src", required=True, help="addresses: A,B,C-D")
    sp.add_argument("--dst", required=True)
    sp.add_argument("--dport", type=int, required=True)
    sp.add_argument("--count", type=int, required=True)
    sp.add_argument("--rate", type=float, default=0.0, help="connections per second, 0 = max")
    sp.add_argument("--concurrency", type=int, default=512)
    sp.add_argument("--timeout", type=float, default=10.0)
    sp.add_argument("--deadline", type=float, default=0.0, help="epoch: abandon what is pending")
    sp = sub.add_parser("scan")
    common(sp)
    sp.add_argument("--src", required=True)
    sp.add_argument("--dst", required=True)
    sp.add_argument("--ports", required=True, help="A-B")
    sp.add_argument("--concurrency", type=int, default=256)
    sp.add_argument("--timeout", type=float, default=1.0)
    sp = sub.add_parser("serve")
    sp.add_argument("--bind", required=True)
    sp.add_argument("--port", type=int, required=True)
    sp.add_argument("--backlog", type=int, default=128)
    sp.add_argument("--ready", required=True)
    sp = sub.add_parser("pcapstat")
    sp.add_argument("file")
    sp.add_argument("--spoof-net", default="10.78.128.0/17")
    a = p.parse_args()
    return {"syn": run_syn, "synack": run_synack, "crowd": run_crowd, "scan": run_scan,
            "serve": run_serve, "pcapstat": run_pcapstat}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
