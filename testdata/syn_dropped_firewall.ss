# netns client tcpst24132c: ss -tanoH (IPv4 and IPv6, taken 23:54:35.919482)
SYN-SENT 0      1      10.77.0.1:40061 10.77.0.2:8080 timer:(on,476ms,3)
# netns server tcpst24132s: ss -tanoH (IPv4 and IPv6, taken 23:54:35.940722)
LISTEN 0      64     10.77.0.2:8080 0.0.0.0:*
# netns bridge tcpst24132b: ss -tanoH (IPv4 and IPv6, taken 23:54:35.962365)
