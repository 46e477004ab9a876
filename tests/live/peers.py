#!/usr/bin/env python3
"""peers.py - the TCP endpoints of the live-capture test (stdlib only).

Run by tests/live/live_test.sh inside the network namespaces it creates.
(testdata/scenarios/peer.py plays similar parts for the recorded captures; this
test keeps its own small copy so that it does not depend on that kit's
command line, which changes with the scenarios.)

  peers.py server --bind IP --port PORT --ready FILE
      Listens (backlog 1024, so a SYN flood of a few hundred fills no queue)
      and serves each connection in its own thread.  The first line the client
      sends, "REQ MODE", says how:
        reply    answer one line, read until EOF (or a reset), then close
        hold     read until EOF and never close: the socket stays in
                 CLOSE_WAIT until the process is killed
      The process never exits by itself; the driver kills it by pid.

  peers.py client --src IP --sport PORT --dst IP --dport PORT --mode MODE
      Binds the fixed source port, connects, plays its part and exits 0:
        client_first  request/response, the client closes first
                      (client TIME_WAIT, the server closes after it)
        never         request "hold", shutdown(SHUT_WR), close(): the client
                      is an orphan in FIN_WAIT_2, the server stays CLOSE_WAIT
        abort         request/response, SO_LINGER {1,0} and close(): a RST
        refused       connect() to a port without a listener must be refused

  peers.py flood --src IP --dst IP --dport PORT --sport-base N --count N
      Sends COUNT bare SYNs from SRC (an address nobody answers for) to
      DST:DPORT from source ports SPORT-BASE... through a raw socket
      (IPPROTO_RAW: the IP header is ours), with correct IP and TCP checksums.
"""
import argparse
import os
import random
import socket
import struct
import sys
import threading
import time

PAYLOAD = b"x" * 120
HELD = []                      # sockets kept open on purpose until killed


def log(*a):
    print("[peers.py %.6f]" % time.time(), *a, file=sys.stderr, flush=True)


def read_line(s):
    buf = b""
    while b"\n" not in buf:
        d = s.recv(4096)
        if not d:
            return None
        buf += d
    return buf.split(b"\n", 1)[0]


def read_to_eof(s):
    n = 0
    while True:
        d = s.recv(65536)
        if not d:
            return n
        n += len(d)


# ------------------------------------------------------------------ server

def serve_one(c, addr):
    try:
        line = read_line(c)
        mode = line.decode().split()[1] if line else "none"
        log("conn", addr, "mode", mode)
        if mode == "reply":
            c.sendall(b"RESP " + PAYLOAD + b"\n")
            try:
                read_to_eof(c)
            except ConnectionResetError:
                log("conn", addr, "reset by the client")
            c.close()
        elif mode == "hold":
            read_to_eof(c)
            HELD.append(c)     # never closed: CLOSE_WAIT
            log("conn", addr, "client closed; holding the socket")
        else:
            c.close()
    except OSError as e:
        log("conn", addr, "error", e)
        c.close()


def run_server(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.bind, a.port))
    s.listen(1024)
    with open(a.ready, "w") as f:
        f.write("%d\n" % os.getpid())
    log("listening on", a.bind, a.port)
    while True:
        c, addr = s.accept()
        threading.Thread(target=serve_one, args=(c, addr), daemon=True).start()


# ------------------------------------------------------------------ clients

def run_client(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.src, a.sport))
    s.settimeout(10)
    if a.mode == "refused":
        try:
            s.connect((a.dst, a.dport))
        except ConnectionRefusedError:
            log("refused, as expected")
            s.close()
            return 0
        log("connect() to a closed port succeeded")
        return 1
    s.connect((a.dst, a.dport))
    if a.mode == "client_first":
        s.sendall(b"REQ reply\n")
        if read_line(s) is None:
            return 1
        s.close()                      # client first: client TIME_WAIT
    elif a.mode == "never":
        s.sendall(b"REQ hold\n")
        time.sleep(0.05)
        s.shutdown(socket.SHUT_WR)
        s.close()                      # orphan FIN_WAIT_2, server CLOSE_WAIT
    elif a.mode == "abort":
        s.sendall(b"REQ reply\n")
        if read_line(s) is None:
            return 1
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()                      # RST
    log("client", a.sport, a.mode, "done")
    return 0


# ------------------------------------------------------------------ SYN flood

def csum(b):
    if len(b) % 2:
        b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xFFFF) + (t >> 16)
    return ~t & 0xFFFF


def syn_packet(src, dst, sport, dport, seq, ipid):
    opts = b"\x02\x04\x05\xb4"                       # MSS 1460
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, (5 + len(opts) // 4) << 4,
                      0x02, 64240, 0, 0) + opts
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), ipid, 0x4000, 64, 6, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def run_flood(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    rnd = random.Random()
    log("first SYN to", a.dst)  # test_live times the alert from this line
    for i in range(a.count):
        pkt = syn_packet(a.src, a.dst, a.sport_base + i, a.dport, rnd.getrandbits(32), i + 1)
        s.sendto(pkt, (a.dst, 0))
        time.sleep(0.0005)
    s.close()
    log("sent", a.count, "SYNs from", a.src)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="role", required=True)
    ps = sub.add_parser("server")
    ps.add_argument("--bind", required=True)
    ps.add_argument("--port", type=int, required=True)
    ps.add_argument("--ready", required=True)
    pc = sub.add_parser("client")
    pc.add_argument("--src", required=True)
    pc.add_argument("--sport", type=int, required=True)
    pc.add_argument("--dst", required=True)
    pc.add_argument("--dport", type=int, required=True)
    pc.add_argument("--mode", required=True, choices=["client_first", "never", "abort", "refused"])
    pf = sub.add_parser("flood")
    pf.add_argument("--src", required=True)
    pf.add_argument("--dst", required=True)
    pf.add_argument("--dport", type=int, required=True)
    pf.add_argument("--sport-base", type=int, required=True)
    pf.add_argument("--count", type=int, required=True)
    a = p.parse_args()
    if a.role == "server":
        run_server(a)
        return 0
    if a.role == "client":
        return run_client(a)
    return run_flood(a)


if __name__ == "__main__":
    sys.exit(main())
