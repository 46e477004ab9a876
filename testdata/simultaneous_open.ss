# netns client tcpst24132c: ss -tanoH (IPv4 and IPv6, taken 23:54:52.753193)
ESTAB 0      0      10.77.0.1:40111 10.77.0.2:40112
# netns server tcpst24132s: ss -tanoH (IPv4 and IPv6, taken 23:54:52.867664)
ESTAB 0      0      10.77.0.2:40112 10.77.0.1:40111
# netns bridge tcpst24132b: ss -tanoH (IPv4 and IPv6, taken 23:54:52.977312)
