# netns client tcpst24132c: ss -tanoH (IPv4 and IPv6, taken 23:54:39.360169)
ESTAB 0      0      10.77.0.1:40071 10.77.0.2:8080
# netns server tcpst24132s: ss -tanoH (IPv4 and IPv6, taken 23:54:39.391498)
LISTEN   0      64     10.77.0.2:8080   0.0.0.0:*    
SYN-RECV 0      0      10.77.0.2:8080 10.77.0.1:40071 timer:(on,912ms,1)
# netns bridge tcpst24132b: ss -tanoH (IPv4 and IPv6, taken 23:54:39.424300)
