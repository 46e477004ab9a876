#!/usr/bin/env python3
"""peer.py - the TCP endpoints of the tcpstates capture scenarios (stdlib only).

Two roles, each run inside its own network namespace by run.sh:

  peer.py server --bind IP --port PORT --ready FILE
      Listens and serves every connection in its own thread. The first line the
      client sends ("REQ <mode> [key=value ...]") tells the server how to behave
      (see serve_one()).  The process never exits by itself: run.sh kills it
      after the ss snapshot, so any socket the scenario keeps open stays open.

  peer.py client --src IP --sport PORT --dst IP --dport PORT --mode MODE --done FILE ...
      Binds a fixed source port, connects and plays one scripted part (see
      CLIENT_MODES).  It touches --done once its part is played; modes that must
      keep their socket open then sleep until killed.

Wall-clock instants (--at, at=) are absolute time.time() values shared by all
namespaces (they share the system clock), used to make SYNs or FINs cross.
"""
import argparse
import os
import socket
import struct
import sys
import threading
import time

PAYLOAD = b"x" * 180          # body of a response line (keeps captures small)
HELD = []                     # sockets kept open on purpose until the process is killed


def log(*a):
    print("[%s %.3f]" % (os.path.basename(sys.argv[0]), time.time()), *a, file=sys.stderr, flush=True)


def touch(path):
    if path:
        with open(path, "w") as f:
            f.write("%.6f\n" % time.time())


def sleep_until(t):
    while True:
        d = t - time.time()
        if d <= 0:
            return
        time.sleep(min(d, 0.05) if d > 0.002 else d)


def wait_for_file(path):
    """block until path exists (no-op without a path)"""
    while path and not os.path.exists(path):
        time.sleep(0.02)


def hold_forever():
    while True:
        time.sleep(3600)


def family_of(ip):
    return socket.AF_INET6 if ":" in ip else socket.AF_INET


def read_line(s, buf=b""):
    """Read up to and including b'\\n'; returns (line, rest) or (None, rest) on EOF."""
    while b"\n" not in buf:
        d = s.recv(4096)
        if not d:
            return None, buf
        buf += d
    line, rest = buf.split(b"\n", 1)
    return line, rest


def read_to_eof(s):
    n = 0
    while True:
        d = s.recv(65536)
        if not d:
            return n
        n += len(d)


# ---------------------------------------------------------------- server

def serve_one(c, addr):
    """Modes (first request line):
      reply_close [wait=FILE]    (wait until FILE exists), reply, close first
      reply_wait_eof             reply, wait for the client's FIN, then close
      hold                       read until EOF, never close (CLOSE_WAIT)
      stream [n=N gap=S size=B]  read until EOF, then send N chunks, then close
      echo                       answer every line with a 'pong' line, close on EOF
      idle                       reply, keep the connection open and idle
      simclose at=T              reply 'OK', shutdown(SHUT_WR) at T, read to EOF, close
    """
    try:
        line, rest = read_line(c)
        if line is None:
            log("EOF before request from", addr)
            c.close()
            return
        words = line.decode().split()
        mode = words[1] if len(words) > 1 else "reply_wait_eof"
        kv = dict(w.split("=", 1) for w in words[2:] if "=" in w)
        log("conn", addr, "mode", mode, kv)
        if mode == "reply_close":
            wait_for_file(kv.get("wait"))
            c.sendall(b"RESP " + PAYLOAD + b"\n")
            c.close()
        elif mode == "reply_wait_eof":
            c.sendall(b"RESP " + PAYLOAD + b"\n")
            read_to_eof(c)
            c.close()
        elif mode == "hold":
            read_to_eof(c)
            HELD.append(c)            # never closed: CLOSE_WAIT until killed
        elif mode == "stream":
            read_to_eof(c)
            n, gap, size = int(kv.get("n", "10")), float(kv.get("gap", "0.05")), int(kv.get("size", "300"))
            for i in range(n):
                c.sendall(("DATA %03d " % i).encode() + b"y" * size + b"\n")
                time.sleep(gap)
            c.close()
        elif mode == "echo":
            buf = rest
            while True:
                line, buf = read_line(c, buf)
                if line is None:
                    break
                c.sendall(b"pong " + line + b" " + PAYLOAD[:100] + b"\n")
            c.close()
        elif mode == "idle":
            c.sendall(b"RESP " + PAYLOAD + b"\n")
            HELD.append(c)
        elif mode == "simclose":
            c.sendall(b"OK\n")
            sleep_until(float(kv["at"]))
            c.shutdown(socket.SHUT_WR)
            log("shutdown at", time.time())
            read_to_eof(c)
            c.close()
        else:
            log("unknown mode", mode)
            c.close()
    except OSError as e:
        log("server conn", addr, "error:", e)
        try:
            c.close()
        except OSError:
            pass


def run_server(a):
    s = socket.socket(family_of(a.bind), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.bind, a.port))
    s.listen(64)
    touch(a.ready)
    log("listening on", a.bind, a.port)
    while True:
        c, addr = s.accept()
        threading.Thread(target=serve_one, args=(c, addr), daemon=True).start()


# ---------------------------------------------------------------- client

def new_client_socket(a):
    s = socket.socket(family_of(a.src), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.src, a.sport))
    return s


def do_connect(a, s):
    s.connect((a.dst, a.dport))
    touch(a.ready)                             # established: run.sh may go on


def req(s, mode, **kv):
    extra = "".join(" %s=%s" % (k, v) for k, v in kv.items())
    s.sendall(("REQ %s%s\n" % (mode, extra)).encode())


def c_client_first(a, s):
    do_connect(a, s)
    req(s, "reply_wait_eof")
    line, _ = read_line(s)
    assert line is not None, "no response"
    wait_for_file(a.close_when)
    s.close()                                  # client closes first -> client TIME_WAIT


def c_server_first(a, s):
    do_connect(a, s)
    if a.close_when:
        req(s, "reply_close", wait=a.close_when)
    else:
        req(s, "reply_close")
    read_to_eof(s)                             # server's FIN
    s.close()                                  # then ours -> LAST_ACK -> CLOSED


def c_never(a, s):
    do_connect(a, s)
    req(s, "hold")
    wait_for_file(a.close_when)
    s.shutdown(socket.SHUT_WR)
    s.close()                                  # orphan FIN_WAIT_2 (peer stays CLOSE_WAIT)


def c_abort(a, s):
    do_connect(a, s)
    req(s, "reply_wait_eof")
    line, _ = read_line(s)
    assert line is not None, "no response"
    wait_for_file(a.close_when)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()                                  # RST


def c_halfclose(a, s):
    do_connect(a, s)
    req(s, "stream", n=10, gap=0.05, size=300)
    s.shutdown(socket.SHUT_WR)
    n = read_to_eof(s)
    log("read", n, "bytes until EOF")
    s.close()


def c_idle(a, s):
    do_connect(a, s)
    req(s, "idle")
    line, _ = read_line(s)
    assert line is not None, "no response"
    touch(a.done)
    HELD.append(s)
    hold_forever()


def c_midstream(a, s):
    do_connect(a, s)
    req(s, "echo")
    i, buf = 0, b""
    while not (a.stop and os.path.exists(a.stop)):
        s.sendall(("ping %04d " % i).encode() + PAYLOAD[:80] + b"\n")
        line, buf = read_line(s, buf)
        assert line is not None, "server closed early"
        i += 1
        time.sleep(0.2)
    log("sent", i, "pings; closing")
    s.close()


def c_refused(a, s):
    try:
        s.connect((a.dst, a.dport))
    except ConnectionRefusedError:
        log("connection refused, as expected")
        s.close()
        return
    raise SystemExit("connect unexpectedly succeeded")


def c_syn_sent(a, s):
    s.setblocking(False)
    err = s.connect_ex((a.dst, a.dport))
    log("connect_ex ->", err)
    touch(a.done)
    HELD.append(s)
    hold_forever()


def c_noack(a, s):
    do_connect(a, s)                # completes on our side; our ACK is dropped
    log("connected (client side ESTABLISHED), sending nothing")
    touch(a.done)
    HELD.append(s)
    hold_forever()


def c_stale(a, s):
    do_connect(a, s)                           # touches --ready: established
    req(s, "idle")                             # the server replies and keeps the connection
    line, _ = read_line(s)
    assert line is not None, "no response"
    touch(a.exchanged)                         # data exchanged: run.sh may restart the server
    wait_for_file(a.go)                        # ... and says when the new server is up
    s.settimeout(5)
    try:
        s.sendall(b"STALE " + PAYLOAD[:100] + b"\n")
        d = s.recv(4096)
    except ConnectionResetError:
        log("connection reset by the restarted server, as expected")
        s.close()
        return
    raise SystemExit("no reset: recv returned %r" % d)


def c_simopen(a, s):
    sleep_until(a.at)
    s.settimeout(10)
    t0 = time.time()
    s.connect((a.dst, a.dport))
    log("simultaneous open: connect() at %.6f returned after %.3fs" % (t0, time.time() - t0))
    touch(a.done)
    HELD.append(s)
    hold_forever()


def c_simclose(a, s):
    do_connect(a, s)
    req(s, "simclose", at="%.6f" % a.at)
    line, _ = read_line(s)
    assert line == b"OK", line
    sleep_until(a.at)
    s.shutdown(socket.SHUT_WR)
    log("shutdown at", time.time())
    read_to_eof(s)
    s.close()


CLIENT_MODES = {
    "client_first": c_client_first,   # request/response, client closes first
    "server_first": c_server_first,   # request/response, server closes first
    "never": c_never,                 # client sends and closes, server never closes
    "abort": c_abort,                 # SO_LINGER {1,0} close -> RST
    "halfclose": c_halfclose,         # SHUT_WR, then read the server's stream until EOF
    "idle": c_idle,                   # stay ESTABLISHED and idle
    "midstream": c_midstream,         # ping/pong until --stop exists, then close first
    "refused": c_refused,             # SYN to a closed port
    "syn_sent": c_syn_sent,           # non-blocking connect, stays in SYN_SENT
    "noack": c_noack,                 # connect and send nothing (final ACK dropped by the bridge)
    "simopen": c_simopen,             # connect() at --at towards a peer doing the same
    "simclose": c_simclose,           # both sides shutdown(SHUT_WR) at --at
    "stale": c_stale,                 # request/response, then after --go write on the
                                      # connection the (restarted) server no longer has: RST
}


def run_client(a):
    s = new_client_socket(a)
    CLIENT_MODES[a.mode](a, s)
    log("mode", a.mode, "done")
    touch(a.done)
    if a.hold:
        hold_forever()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="role", required=True)
    ps = sub.add_parser("server")
    ps.add_argument("--bind", required=True)
    ps.add_argument("--port", type=int, required=True)
    ps.add_argument("--ready")
    pc = sub.add_parser("client")
    pc.add_argument("--src", required=True)
    pc.add_argument("--sport", type=int, required=True)
    pc.add_argument("--dst", required=True)
    pc.add_argument("--dport", type=int, required=True)
    pc.add_argument("--mode", required=True, choices=sorted(CLIENT_MODES))
    pc.add_argument("--done", help="file touched when the scripted part is over")
    pc.add_argument("--ready", help="file touched once connect() returned")
    pc.add_argument("--stop", help="midstream: close when this file exists")
    pc.add_argument("--at", type=float, default=0.0, help="absolute wall-clock instant")
    pc.add_argument("--close-when", metavar="FILE",
                    help="client_first/never/abort: close only once FILE exists; server_first: the server waits for it")
    pc.add_argument("--hold", action="store_true", help="stay alive after the part is played")
    pc.add_argument("--exchanged", help="stale: file touched once the request/response is done")
    pc.add_argument("--go", help="stale: write on the old connection only once this file exists")
    a = p.parse_args()
    if a.role == "server":
        run_server(a)
    else:
        run_client(a)


if __name__ == "__main__":
    main()
