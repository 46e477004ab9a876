# netns client tcpst10910c: ss -tanoH (IPv4 and IPv6, taken 00:42:12.002921)
# netns server tcpst10910s: ss -tanoH (IPv4 and IPv6, taken 00:42:12.061991)
LISTEN 0      64     10.77.0.2:8080 0.0.0.0:*
# netns bridge tcpst10910b: ss -tanoH (IPv4 and IPv6, taken 00:42:12.120553)
