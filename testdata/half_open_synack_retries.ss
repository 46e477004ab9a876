# netns client tcpst10910c: ss -tanoH (IPv4 and IPv6, taken 00:42:06.604730)
ESTAB 0      0      10.77.0.1:40151 10.77.0.2:8080
# netns server tcpst10910s: ss -tanoH (IPv4 and IPv6, taken 00:42:06.698603)
LISTEN   0      64     10.77.0.2:8080   0.0.0.0:*    
SYN-RECV 0      0      10.77.0.2:8080 10.77.0.1:40151 timer:(on,2.216ms,2)
# netns bridge tcpst10910b: ss -tanoH (IPv4 and IPv6, taken 00:42:06.790643)
