#!/usr/bin/env python3
"""parse_ss.py - turn the kernel's ss snapshots into a scenario's .truth file.

  parse_ss.py --ss NAME.ss --conns CONNS --name NAME [--comment TEXT]... -o NAME.truth

NAME.ss holds the raw `ss -tanoH` output of every namespace, each section
starting with a header line  "# netns ROLE NSNAME: COMMAND"  (written by run.sh).

CONNS lists the connections the scenario made, in the order they began, one per
line, whitespace-separated:
    CLIENT_ROLE CLIENT_IP CLIENT_PORT SERVER_ROLE SERVER_IP SERVER_PORT [FLAGS]
ROLE names the namespace section whose ss shows that endpoint.  FLAGS is a
comma-separated list of:
    replaced      the connection's sockets are gone because a later connection
                  reuses the same 4-tuple: written CLOSED / CLOSED (ss cannot
                  tell the two connections apart)
    roles_either  both sides opened (simultaneous open): a "#! roles either"
                  directive line is written before the row

Each endpoint's state is the ss state of the socket whose local and peer
address match the 4-tuple (LISTEN sockets ignored), mapped to RFC 793 names;
no such socket -> CLOSED.
"""
import argparse
import ipaddress
import sys

SS_TO_RFC = {
    "ESTAB": "ESTABLISHED",
    "SYN-SENT": "SYN_SENT",
    "SYN-RECV": "SYN_RCVD",
    "FIN-WAIT-1": "FIN_WAIT_1",
    "FIN-WAIT-2": "FIN_WAIT_2",
    "CLOSE-WAIT": "CLOSE_WAIT",
    "CLOSING": "CLOSING",
    "LAST-ACK": "LAST_ACK",
    "TIME-WAIT": "TIME_WAIT",
    # a socket the kernel still lists but that holds no connection
    "UNCONN": "CLOSED",
    "CLOSE": "CLOSED",
    "BOUND-INACTIVE": "CLOSED",
}
IGNORED = {"LISTEN"}


def endpoint(text):
    """'10.77.0.1:40001' / '[fd77::1]:40001' / '*:*' -> (ip, port) or None."""
    host, _, port = text.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    host = host.split("%", 1)[0]
    if host in ("*", "") or port == "*":
        return None
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return str(ip), int(port)


def read_ss(path):
    """-> {role: [(state, local, peer, raw_line)]}"""
    out, role = {}, None
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("# netns "):
                role = line.split()[2]
                out.setdefault(role, [])
                continue
            if not line.strip() or line.startswith("#"):
                continue
            if role is None:
                sys.exit("%s: socket line before any '# netns' header: %r" % (path, line))
            w = line.split()
            if len(w) < 5:
                continue
            out[role].append((w[0], endpoint(w[3]), endpoint(w[4]), line))
    return out


def canon(ip):
    return str(ipaddress.ip_address(ip))


def state_of(socks, local, peer, used):
    found = []
    for i, (st, l, p, raw) in enumerate(socks):
        if st in IGNORED or l != local or p != peer:
            continue
        found.append(i)
    if not found:
        return "CLOSED"
    if len(found) > 1:
        sys.exit("several sockets for %s <-> %s: %s" % (local, peer, [socks[i][3] for i in found]))
    i = found[0]
    used.add(i)
    st = socks[i][0]
    if st not in SS_TO_RFC:
        sys.exit("unknown ss state %r in %r" % (st, socks[i][3]))
    return SS_TO_RFC[st]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ss", required=True)
    p.add_argument("--conns", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--comment", action="append", default=[])
    p.add_argument("-o", "--output", required=True)
    a = p.parse_args()

    ss = read_ss(a.ss)
    used = {role: set() for role in ss}
    lines = ["# scenario: %s" % a.name]
    lines += ["# %s" % c for c in a.comment]
    lines.append("# client_ip\tclient_port\tclient_state\tserver_ip\tserver_port\tserver_state")
    with open(a.conns) as f:
        for raw in f:
            w = raw.split()
            if not w or w[0].startswith("#"):
                continue
            crole, cip, cport, srole, sip, sport = w[:6]
            flags = set(w[6].split(",")) if len(w) > 6 else set()
            unknown = flags - {"replaced", "roles_either"}
            if unknown:
                sys.exit("unknown flags %s in %s" % (unknown, a.conns))
            for role in (crole, srole):
                if role not in ss:
                    sys.exit("no ss section for namespace role %r in %s" % (role, a.ss))
            c = (canon(cip), int(cport))
            s = (canon(sip), int(sport))
            if "replaced" in flags:
                cst = sst = "CLOSED"
            else:
                cst = state_of(ss[crole], c, s, used[crole])
                sst = state_of(ss[srole], s, c, used[srole])
            if "roles_either" in flags:
                lines.append("#! roles either")
            lines.append("\t".join([c[0], str(c[1]), cst, s[0], str(s[1]), sst]))

    # sockets that no listed connection explains: say so (they would mean the
    # scenario did something it does not declare)
    for role, socks in ss.items():
        for i, (st, l, pr, raw) in enumerate(socks):
            if st in IGNORED or i in used[role] or pr is None:
                continue
            print("parse_ss: warning: %s socket not in the connection list: %s" % (role, raw),
                  file=sys.stderr)

    with open(a.output, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
