# netns client tcpst24132c: ss -tanoH (IPv4 and IPv6, taken 23:54:29.703769)
# netns server tcpst24132s: ss -tanoH (IPv4 and IPv6, taken 23:54:29.789139)
