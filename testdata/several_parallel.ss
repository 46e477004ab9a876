# netns client tcpst24132c: ss -tanoH (IPv4 and IPv6, taken 23:55:10.410472)
TIME-WAIT  0      0      10.77.0.1:40141 10.77.0.2:8080 timer:(timewait,59sec,0)
FIN-WAIT-2 0      0      10.77.0.1:40143 10.77.0.2:8080 timer:(timewait,59sec,0)
ESTAB      0      0      10.77.0.1:40145 10.77.0.2:8080                         
# netns server tcpst24132s: ss -tanoH (IPv4 and IPv6, taken 23:55:10.487573)
LISTEN     0      64     10.77.0.2:8080   0.0.0.0:*                             
CLOSE-WAIT 0      0      10.77.0.2:8080 10.77.0.1:40143                         
TIME-WAIT  0      0      10.77.0.2:8080 10.77.0.1:40142 timer:(timewait,59sec,0)
ESTAB      0      0      10.77.0.2:8080 10.77.0.1:40145                         
