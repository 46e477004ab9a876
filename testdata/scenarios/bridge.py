#!/usr/bin/env python3
"""bridge.py - user-space L2 bridge with delay and drop rules (stdlib only).

Runs in the "br" namespace of the tcpstates scenarios, between the client's
veth peer (--client-if) and the server's veth peer (--server-if).  Every frame
received on one side is sent out of the other side, after --delay ms (per
direction, order kept, scheduled with a heap: no per-packet sleeping), unless a
drop rule matches.  Drop rules look only at client->server TCP segments:

  --drop-syn-to PORT     drop segments with SYN set to destination PORT (a firewall)
  --drop-client-acks     drop segments without SYN (the final handshake ACK and
                         everything the client sends after it)

Stops on SIGTERM/SIGINT and prints its counters on stderr.
"""
import argparse
import heapq
import os
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
TH_SYN = 0x02


def tcp_of(frame):
    """(dst_port, flags) of a TCP segment in an Ethernet frame, or None."""
    if len(frame) < 14:
        return None
    etype = struct.unpack_from("!H", frame, 12)[0]
    off = 14
    if etype == 0x8100 and len(frame) >= 18:            # single VLAN tag
        etype = struct.unpack_from("!H", frame, 16)[0]
        off = 18
    if etype == 0x0800:
        if len(frame) < off + 20 or frame[off + 9] != 6:
            return None
        off += (frame[off] & 0x0F) * 4
    elif etype == 0x86DD:
        if len(frame) < off + 40 or frame[off + 6] != 6:   # no extension headers in our traffic
            return None
        off += 40
    else:
        return None
    if len(frame) < off + 14:
        return None
    return struct.unpack_from("!H", frame, off + 2)[0], frame[off + 13]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--client-if", required=True)
    p.add_argument("--server-if", required=True)
    p.add_argument("--delay", type=float, default=0.0, help="one-way delay in ms, each direction")
    p.add_argument("--drop-syn-to", type=int, action="append", default=[], metavar="PORT")
    p.add_argument("--drop-client-acks", action="store_true")
    p.add_argument("--ready", help="file touched once both sockets are open")
    a = p.parse_args()

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    socks = {}
    for side, ifname in (("c", a.client_if), ("s", a.server_if)):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((ifname, 0))
        s.setblocking(False)
        socks[side] = s
    other = {"c": socks["s"], "s": socks["c"]}
    side_of = {socks["c"].fileno(): "c", socks["s"].fileno(): "s"}
    delay = a.delay / 1000.0
    heap, seq = [], 0
    n = {"fwd_c2s": 0, "fwd_s2c": 0, "dropped": 0}
    if a.ready:
        with open(a.ready, "w") as f:
            f.write("%d\n" % os.getpid())

    while not stop:
        now = time.monotonic()
        while heap and heap[0][0] <= now:
            _, _, out, frame, key = heapq.heappop(heap)
            try:
                out.send(frame)
                n[key] += 1
            except OSError as e:
                print("bridge: send failed: %s" % e, file=sys.stderr)
        timeout = max(0.0, heap[0][0] - time.monotonic()) if heap else 0.5
        try:
            ready, _, _ = select.select(list(socks.values()), [], [], timeout)
        except InterruptedError:
            continue
        for s in ready:
            side = side_of[s.fileno()]
            while True:
                try:
                    frame, addr = s.recvfrom(65535)
                except (BlockingIOError, InterruptedError):
                    break
                if addr[2] == PACKET_OUTGOING:        # our own transmission: don't loop
                    continue
                if side == "c":
                    t = tcp_of(frame)
                    if t is not None:
                        dport, flags = t
                        if (flags & TH_SYN) and dport in a.drop_syn_to:
                            n["dropped"] += 1
                            continue
                        if a.drop_client_acks and not (flags & TH_SYN):
                            n["dropped"] += 1
                            continue
                key = "fwd_c2s" if side == "c" else "fwd_s2c"
                if delay <= 0:
                    try:
                        other[side].send(frame)
                        n[key] += 1
                    except OSError as e:
                        print("bridge: send failed: %s" % e, file=sys.stderr)
                else:
                    seq += 1
                    heapq.heappush(heap, (time.monotonic() + delay, seq, other[side], frame, key))
    print("bridge: stopped; %s, %d still queued" % (n, len(heap)), file=sys.stderr)


if __name__ == "__main__":
    main()
