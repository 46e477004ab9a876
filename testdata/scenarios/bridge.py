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

Runtime control (signals; nothing changes unless one is sent):

  SIGUSR1   start dropping EVERY frame received from the server side
            (server->client), whatever it is
  SIGUSR2   stop that: forward server->client frames again
  SIGHUP    reopen the AF_PACKET socket of a side whose interface is gone or
            was replaced (same name, new ifindex), e.g. after the server's
            namespace was deleted (which destroys its veth pair) and a new one
            was attached under the same name; a side that is fine is kept

A side whose interface disappears (ENETDOWN/ENXIO/ENODEV) is closed and
skipped until SIGHUP finds it again.  With --status FILE the bridge writes one
line "gen=N drop_s2c=0|1 client_if=up|down server_if=up|down" there (atomically)
at start and after handling each control signal, so the caller can wait until
a change has taken effect.

Stops on SIGTERM/SIGINT and prints its counters on stderr.
"""
import errno
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
GONE = (errno.ENETDOWN, errno.ENXIO, errno.ENODEV)   # the bound interface disappeared


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
    p.add_argument("--status", help="file rewritten with the control state (see above)")
    a = p.parse_args()

    stop = []
    pending = []                                      # control signals not handled yet
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    for sig in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP):
        signal.signal(sig, lambda signum, _f: pending.append(signum))
    # the C-level handler writes to this pipe, so a signal wakes select() at once
    wake_r, wake_w = socket.socketpair()
    wake_r.setblocking(False)
    wake_w.setblocking(False)
    signal.set_wakeup_fd(wake_w.fileno(), warn_on_full_buffer=False)

    ifname_of = {"c": a.client_if, "s": a.server_if}
    socks = {}                                        # side -> open socket (absent: down)
    ifindex = {}                                      # side -> ifindex it is bound to

    def open_side(side):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        try:
            s.bind((ifname_of[side], 0))
        except OSError:
            s.close()
            raise
        s.setblocking(False)
        socks[side] = s
        ifindex[side] = socket.if_nametoindex(ifname_of[side])

    def current_ifindex(side):
        try:
            return socket.if_nametoindex(ifname_of[side])
        except OSError:
            return None

    def close_side(side, why):
        s = socks.pop(side, None)
        if s is not None:
            s.close()
            print("bridge: %s side (%s) closed: %s" % (side, ifname_of[side], why), file=sys.stderr)

    for side in ("c", "s"):
        open_side(side)
    delay = a.delay / 1000.0
    heap, seq = [], 0
    n = {"fwd_c2s": 0, "fwd_s2c": 0, "dropped": 0}
    ctl = {"gen": 0, "drop_s2c": False}

    def write_status():
        if not a.status:
            return
        tmp = a.status + ".tmp"
        with open(tmp, "w") as f:
            f.write("gen=%d drop_s2c=%d client_if=%s server_if=%s\n" % (
                ctl["gen"], ctl["drop_s2c"], "up" if "c" in socks else "down",
                "up" if "s" in socks else "down"))
        os.replace(tmp, a.status)

    def handle_control():
        while pending:
            signum = pending.pop(0)
            if signum == signal.SIGUSR1:
                ctl["drop_s2c"] = True
            elif signum == signal.SIGUSR2:
                ctl["drop_s2c"] = False
            elif signum == signal.SIGHUP:
                for side in ("c", "s"):
                    if side in socks and ifindex.get(side) == current_ifindex(side):
                        continue
                    close_side(side, "reopening")
                    try:
                        open_side(side)
                    except OSError as e:
                        print("bridge: cannot open %s: %s" % (ifname_of[side], e), file=sys.stderr)
            ctl["gen"] += 1
            print("bridge: control %s -> drop_s2c=%d sides=%s" % (
                signal.Signals(signum).name, ctl["drop_s2c"], sorted(socks)), file=sys.stderr)
            write_status()

    def send_to(side, frame, key):
        s = socks.get(side)
        if s is None:
            n["dropped"] += 1                         # that side is down
            return
        try:
            s.send(frame)
            n[key] += 1
        except OSError as e:
            print("bridge: send failed: %s" % e, file=sys.stderr)
            if e.errno in GONE:
                close_side(side, e)

    write_status()
    if a.ready:
        with open(a.ready, "w") as f:
            f.write("%d\n" % os.getpid())

    while not stop:
        handle_control()
        now = time.monotonic()
        while heap and heap[0][0] <= now:
            _, _, out, frame, key = heapq.heappop(heap)
            send_to(out, frame, key)
        timeout = max(0.0, heap[0][0] - time.monotonic()) if heap else 0.5
        try:
            ready, _, _ = select.select(list(socks.values()) + [wake_r], [], [], timeout)
        except InterruptedError:
            continue
        if wake_r in ready:
            try:
                while wake_r.recv(512):
                    pass
            except (BlockingIOError, InterruptedError):
                pass
            ready.remove(wake_r)
        side_of = {s: side for side, s in socks.items()}
        for s in ready:
            side = side_of[s]
            while socks.get(side) is s:               # (closed meanwhile: skip it)
                try:
                    frame, addr = s.recvfrom(65535)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError as e:                  # the interface went away
                    if e.errno in GONE:
                        close_side(side, e)
                        break
                    raise
                if addr[2] == PACKET_OUTGOING:        # our own transmission: don't loop
                    continue
                if side == "s" and ctl["drop_s2c"]:
                    n["dropped"] += 1
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
                out = "s" if side == "c" else "c"
                if delay <= 0:
                    send_to(out, frame, key)
                else:
                    seq += 1
                    heapq.heappush(heap, (time.monotonic() + delay, seq, out, frame, key))
    print("bridge: stopped; %s, %d still queued" % (n, len(heap)), file=sys.stderr)


if __name__ == "__main__":
    main()
