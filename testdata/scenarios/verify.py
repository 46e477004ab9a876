#!/usr/bin/env python3
"""verify.py - check that a scenario's capture holds what the scenario claims.

  verify.py --pcap NAME.pcap (--conns CONNS | --truth NAME.truth) --scenario NAME [-v]

Reads the pcap itself (stdlib only: microsecond pcap, Ethernet, IPv4/IPv6 TCP),
checks the format (microsecond magic, linktype EN10MB, TCP only, correct TCP
checksums, no segment larger than the MTU) and then the scenario's own
property (e.g. SYNs crossing for simultaneous_open, no final ACK for
handshake_ack_dropped).  Exit 0 when everything holds, 1 otherwise; run.sh
uses this to retry the timing-sensitive scenarios.
"""
import argparse
import ipaddress
import struct
import sys

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


class Seg:
    __slots__ = ("no", "ts", "src", "sport", "dst", "dport", "seq", "ack", "flags", "plen", "csum_ok")

    def flagstr(self):
        return "".join(c for b, c in ((SYN, "S"), (FIN, "F"), (RST, "R"), (PSH, "P"), (ACK, "."))
                       if self.flags & b)

    def __repr__(self):
        return "#%d %.6f %s:%d > %s:%d [%s] seq %d ack %d len %d" % (
            self.no, self.ts, self.src, self.sport, self.dst, self.dport, self.flagstr(),
            self.seq, self.ack, self.plen)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise SystemExit("%s: too short for a pcap" % path)
    magic = struct.unpack_from("<I", data, 0)[0]
    if magic != 0xA1B2C3D4:
        raise SystemExit("%s: not a little-endian microsecond pcap (magic %#x)" % (path, magic))
    linktype = struct.unpack_from("<I", data, 20)[0]
    if linktype != 1:
        raise SystemExit("%s: linktype %d, expected 1 (EN10MB)" % (path, linktype))
    segs, errors, off, no = [], [], 24, 0
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack_from("<IIII", data, off)
        off += 16
        frame = data[off:off + incl]
        off += incl
        no += 1
        if usec >= 1000000:
            errors.append("packet %d: usec %d out of range" % (no, usec))
        if incl != orig:
            errors.append("packet %d: truncated capture (%d of %d)" % (no, incl, orig))
        if len(frame) > 1514:
            errors.append("packet %d: frame of %d bytes (segmentation offload not off?)" % (no, len(frame)))
        etype = struct.unpack_from("!H", frame, 12)[0]
        ip = frame[14:]
        if etype == 0x0800:
            ihl = (ip[0] & 0xF) * 4
            tot = struct.unpack_from("!H", ip, 2)[0]
            if ip[9] != 6:
                errors.append("packet %d: not TCP" % no)
                continue
            src, dst = ipaddress.ip_address(ip[12:16]), ipaddress.ip_address(ip[16:20])
            tcp = ip[ihl:tot]
            pseudo = ip[12:20] + struct.pack("!BBH", 0, 6, len(tcp))
        elif etype == 0x86DD:
            plen = struct.unpack_from("!H", ip, 4)[0]
            if ip[6] != 6:
                errors.append("packet %d: not TCP (next header %d)" % (no, ip[6]))
                continue
            src, dst = ipaddress.ip_address(ip[8:24]), ipaddress.ip_address(ip[24:40])
            tcp = ip[40:40 + plen]
            pseudo = ip[8:40] + struct.pack("!IxxxB", len(tcp), 6)
        else:
            errors.append("packet %d: ethertype %#x is not IP" % (no, etype))
            continue
        s = Seg()
        s.no, s.ts = no, sec + usec / 1e6
        s.src, s.dst = str(src), str(dst)
        s.sport, s.dport, s.seq, s.ack = struct.unpack_from("!HHII", tcp, 0)
        doff = (tcp[12] >> 4) * 4
        s.flags = tcp[13]
        s.plen = len(tcp) - doff
        s.csum_ok = csum(pseudo + tcp) == 0xFFFF
        if not s.csum_ok:
            errors.append("packet %d: bad TCP checksum (checksum offload not off?)" % no)
        segs.append(s)
    return segs, errors


def read_conns(path, truth=False):
    """connections from run.sh's conns list, or from a .truth file"""
    cols = (0, 1, 3, 4) if truth else (1, 2, 4, 5)
    out = []
    with open(path) as f:
        for raw in f:
            w = raw.split()
            if w and not w[0].startswith("#"):
                out.append(((str(ipaddress.ip_address(w[cols[0]])), int(w[cols[1]])),
                            (str(ipaddress.ip_address(w[cols[2]])), int(w[cols[3]]))))
    return out


class Checker:
    def __init__(self, segs, conns):
        self.segs, self.conns, self.fails, self.notes = segs, conns, [], []

    def need(self, cond, what):
        (self.notes if cond else self.fails).append(what)
        return cond

    def frm(self, ep, peer=None, flags_all=0, flags_none=0):
        """segments sent by endpoint ep (to peer) having all of flags_all and none of flags_none"""
        return [s for s in self.segs if (s.src, s.sport) == ep and (peer is None or (s.dst, s.dport) == peer)
                and s.flags & flags_all == flags_all and not s.flags & flags_none]

    def normal(self, c, s, first_closer):
        self.need(len(self.frm(c, s, SYN, ACK)) == 1, "one SYN from the client")
        self.need(len(self.frm(s, c, SYN | ACK)) == 1, "one SYN-ACK from the server")
        cf, sf = self.frm(c, s, FIN), self.frm(s, c, FIN)
        self.need(len(cf) == 1 and len(sf) == 1, "one FIN each way")
        self.need(not self.frm(c, s, RST) and not self.frm(s, c, RST), "no RST")
        self.need(any(x.plen for x in self.frm(c, s)) and any(x.plen for x in self.frm(s, c)),
                  "data both ways")
        if cf and sf:
            a, b = (cf[0], sf[0]) if first_closer == "client" else (sf[0], cf[0])
            self.need(a.no < b.no and ((b.ack - a.seq - a.plen) & 0xFFFFFFFF) == 1,
                      "%s closed first (its FIN is acked by the other FIN)" % first_closer)


def check(name, segs, conns):
    k = Checker(segs, conns)
    k.need(len(segs) > 0, "capture not empty")
    c, s = conns[0]
    if name in ("normal_server_closes_first",):
        k.normal(c, s, "server")
    elif name in ("normal_client_closes_first", "ipv6_normal"):
        k.normal(c, s, "client")
        if name == "ipv6_normal":
            k.need(all(":" in x.src for x in segs), "all segments are IPv6")
    elif name == "server_never_closes":
        k.need(len(k.frm(c, s, FIN)) == 1, "client FIN")
        k.need(not k.frm(s, c, FIN) and not k.frm(s, c, RST), "no FIN/RST from the server")
        cf = k.frm(c, s, FIN)
        if cf:
            fin_end = (cf[0].seq + cf[0].plen + 1) & 0xFFFFFFFF
            k.need(any(x.ack == fin_end for x in k.frm(s, c, ACK)), "server acked the client's FIN")
    elif name == "abortive_close_rst":
        k.need(len(k.frm(c, s, RST)) == 1, "one RST from the client")
        k.need(not k.frm(c, s, FIN) and not k.frm(s, c, FIN), "no FIN")
    elif name == "refused_no_listener":
        k.need(len(k.frm(c, s, SYN, ACK)) == 1, "one SYN")
        k.need(len(k.frm(s, c, RST | ACK)) == 1, "one RST/ACK from the server")
        k.need(len(segs) == 2, "nothing else")
    elif name == "syn_dropped_firewall":
        syns = k.frm(c, s, SYN, ACK)
        k.need(len(syns) >= 3, "SYN and at least 2 retransmissions (%d SYNs)" % len(syns))
        k.need(len({x.seq for x in syns}) == 1, "retransmissions carry the same ISN")
        k.need(not k.frm(s, c), "nothing from the server")
    elif name == "handshake_ack_dropped":
        k.need(len(k.frm(c, s, SYN, ACK)) == 1, "one SYN")
        k.need(len(k.frm(s, c, SYN | ACK)) >= 2, "SYN-ACK retransmitted")
        k.need(not k.frm(c, s, 0, SYN), "no client segment without SYN (final ACK absent)")
    elif name == "half_close_server_sends":
        cf, sf = k.frm(c, s, FIN), k.frm(s, c, FIN)
        k.need(len(cf) == 1 and len(sf) == 1, "one FIN each way")
        if cf and sf:
            data_after = [x for x in k.frm(s, c) if x.plen and cf[0].no < x.no]
            k.need(len(data_after) >= 5, "server sent %d data segments after the client's FIN" % len(data_after))
            k.need(cf[0].no < sf[0].no, "client FIN first")
            k.need(sf[-1].ts - cf[0].ts > 0.3, "server kept sending for a while")
    elif name == "reconnect_time_wait":
        syns = k.frm(c, s, SYN, ACK)
        k.need(len(conns) == 2 and conns[0] == conns[1], "two connections on one 4-tuple")
        k.need(len(syns) == 2 and syns[0].seq != syns[1].seq, "two SYNs with different ISNs")
        fins = [x for x in segs if x.flags & FIN]
        if len(syns) == 2:
            k.need(len([x for x in fins if x.no < syns[1].no]) == 2, "first connection closed before the second SYN")
            k.need(len([x for x in fins if x.no > syns[1].no]) == 2, "second connection closed too")
    elif name == "simultaneous_open":
        a = k.frm(c, s, SYN, ACK)
        b = k.frm(s, c, SYN, ACK)
        k.need(len(a) >= 1 and len(b) >= 1, "both sides sent a bare SYN (%d/%d)" % (len(a), len(b)))
        k.need(len(k.frm(c, s, SYN | ACK)) >= 1 and len(k.frm(s, c, SYN | ACK)) >= 1, "both sides sent SYN-ACK")
    elif name == "simultaneous_close":
        cf, sf = k.frm(c, s, FIN), k.frm(s, c, FIN)
        k.need(len(cf) == 1 and len(sf) == 1, "one FIN each way")
        if cf and sf:
            cfin_end = (cf[0].seq + cf[0].plen + 1) & 0xFFFFFFFF
            sfin_end = (sf[0].seq + sf[0].plen + 1) & 0xFFFFFFFF
            k.need(cf[0].ack != sfin_end and sf[0].ack != cfin_end,
                   "neither FIN acknowledges the other FIN (they crossed)")
            first_ack_of_c = [x for x in k.frm(s, c, ACK) if x.ack == cfin_end]
            first_ack_of_s = [x for x in k.frm(c, s, ACK) if x.ack == sfin_end]
            k.need(first_ack_of_c and first_ack_of_s, "both FINs acked")
            if first_ack_of_c and first_ack_of_s:
                k.need(max(cf[0].no, sf[0].no) < min(first_ack_of_c[0].no, first_ack_of_s[0].no),
                       "both FINs seen before either FIN's ACK")
    elif name == "midstream":
        k.need(not [x for x in segs if x.flags & SYN], "no SYN in the capture")
        k.need(len([x for x in k.frm(c, s) if x.plen]) >= 3 and len([x for x in k.frm(s, c) if x.plen]) >= 3,
               "data both ways")
        cf, sf = k.frm(c, s, FIN), k.frm(s, c, FIN)
        k.need(len(cf) == 1 and len(sf) == 1 and cf[0].no < sf[0].no, "client FIN then server FIN")
    elif name == "several_parallel":
        k.need(len(conns) == 5, "five connections")
        for cc, ss in conns:
            k.need(len(k.frm(cc, ss, SYN, ACK)) == 1, "SYN from %s:%d" % cc)
        k.need(len([x for x in segs if x.flags & RST]) == 1, "exactly one RST")
        first_fins = [min([x.no for x in segs if x.flags & FIN and {(x.src, x.sport), (x.dst, x.dport)} == {cc, ss}]
                          or [10 ** 9]) for cc, ss in conns]
        last_syn = max(x.no for x in segs if x.flags & SYN)
        k.need(all(f > last_syn for f in first_fins), "all five connections open at once")
    elif name == "half_open_synack_retries":
        k.need(len(k.frm(c, s, SYN, ACK)) == 1, "one SYN")
        sa = k.frm(s, c, SYN | ACK)
        k.need(len(sa) >= 3, "SYN-ACK and at least 2 retransmissions (%d SYN-ACKs)" % len(sa))
        k.need(len({x.seq for x in sa}) == 1, "retransmitted SYN-ACKs carry the same ISN")
        if len(sa) >= 3:
            g1, g2 = sa[1].ts - sa[0].ts, sa[2].ts - sa[1].ts
            k.need(0.8 < g1 < 1.6 and 1.6 < g2 < 2.8,
                   "SYN-ACK retransmitted ~1 s, then ~2 s later (%.3f s, %.3f s)" % (g1, g2))
        k.need(not k.frm(c, s, 0, SYN), "no client segment without SYN (final ACK absent)")
    elif name == "stale_peer_server_restart":
        k.need(len(k.frm(c, s, SYN, ACK)) == 1 and len(k.frm(s, c, SYN | ACK)) == 1, "one handshake")
        rsts = [x for x in segs if x.flags & RST]
        k.need(len(rsts) == 1 and (rsts[0].src, rsts[0].sport) == s, "exactly one RST, from the server")
        k.need(not [x for x in segs if x.flags & FIN], "no FIN (the old server's FIN was dropped)")
        if len(rsts) == 1:
            r = rsts[0]
            k.need(r.flags == RST, "the RST has no ACK flag (flags %s)" % r.flagstr())
            k.need(r.ack == 0, "the RST's ACK field is 0")
            before = [x for x in k.frm(c, s) if x.plen and x.no < r.no]
            k.need(any(x.plen for x in k.frm(s, c) if x.no < r.no) and len(before) >= 2,
                   "data both ways before the RST")
            if before:
                last = before[-1]
                k.need(r.seq == last.ack, "RST seq %d == ACK %d of the client's last data segment"
                       % (r.seq, last.ack))
                sa = k.frm(s, c, SYN | ACK)
                if sa:
                    isn = sa[0].seq
                    snd_nxt = max(((x.seq - isn) & 0xFFFFFFFF) + x.plen + (1 if x.flags & SYN else 0)
                                  for x in k.frm(s, c, 0, RST))
                    k.need(r.seq == (isn + snd_nxt) & 0xFFFFFFFF,
                           "... which is the old server's SND.NXT (the client's RCV.NXT)")
                prev_s = [x for x in k.frm(s, c) if x.no < r.no]
                k.need(prev_s and last.ts - prev_s[-1].ts > 0.5,
                       "the client's write comes after a silence (the restart)")
            k.need(not [x for x in k.frm(c, s) if x.no > r.no], "the client sends nothing after the RST")
    else:
        k.need(False, "no check known for scenario %r" % name)
    return k


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pcap", required=True)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--conns", help="connection list written by run.sh")
    g.add_argument("--truth", help="the scenario's .truth file")
    p.add_argument("--scenario", required=True)
    p.add_argument("-v", "--verbose", action="store_true")
    a = p.parse_args()
    segs, errors = read_pcap(a.pcap)
    if a.verbose:
        for x in segs:
            print("   ", x)
    conns = read_conns(a.truth, truth=True) if a.truth else read_conns(a.conns)
    k = check(a.scenario, segs, conns)
    k.fails[:0] = errors
    for n in k.notes:
        print("  ok   %s" % n)
    for f in k.fails:
        print("  FAIL %s" % f)
    print("verify %s: %s (%d segments)" % (a.scenario, "FAILED" if k.fails else "ok", len(segs)))
    sys.exit(1 if k.fails else 0)


if __name__ == "__main__":
    main()
