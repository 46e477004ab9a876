# netns client tcpst24132c: ss -tanoH (IPv4 and IPv6, taken 23:54:22.158411)
TIME-WAIT 0      0      10.77.0.1:40021 10.77.0.2:8080 timer:(timewait,59sec,0)
# netns server tcpst24132s: ss -tanoH (IPv4 and IPv6, taken 23:54:22.222345)
LISTEN 0      64     10.77.0.2:8080 0.0.0.0:*
