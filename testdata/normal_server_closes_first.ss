# netns client tcpst24132c: ss -tanoH (IPv4 and IPv6, taken 23:54:19.746944)
# netns server tcpst24132s: ss -tanoH (IPv4 and IPv6, taken 23:54:19.803227)
LISTEN    0      64     10.77.0.2:8080   0.0.0.0:*    
TIME-WAIT 0      0      10.77.0.2:8080 10.77.0.1:40011 timer:(timewait,59sec,0)
