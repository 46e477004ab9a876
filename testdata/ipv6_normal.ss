# netns client tcpst24132c: ss -tanoH (IPv4 and IPv6, taken 23:54:48.341151)
TIME-WAIT 0      0      [fd77::1]:40101 [fd77::2]:8080 timer:(timewait,59sec,0)
# netns server tcpst24132s: ss -tanoH (IPv4 and IPv6, taken 23:54:48.415582)
LISTEN 0      64     [fd77::2]:8080 [::]:*
