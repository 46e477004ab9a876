# netns client tcpst24132c: ss -tanoH (IPv4 and IPv6, taken 23:54:27.336716)
# netns server tcpst24132s: ss -tanoH (IPv4 and IPv6, taken 23:54:27.374950)
LISTEN 0      64     10.77.0.2:8080 0.0.0.0:*
