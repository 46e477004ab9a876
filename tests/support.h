/* support.h - what the tests share: paths in the source tree, running the
 * tcpstates binary and reading what it printed. */
#ifndef TS_TEST_SUPPORT_H
#define TS_TEST_SUPPORT_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* TS_SOURCE_DIR "/" rel, in one of a few rotating static buffers. */
const char *ts_test_src(const char *rel);

/* The whole file, NUL-terminated (free it); NULL when it cannot be read. */
char *ts_test_slurp(const char *path, size_t *len);
/* All that was written to fp (a tmpfile), the same way; it rewinds fp. */
char *ts_test_slurp_written(FILE *fp, size_t *len);

/* A 40-byte IPv4 + TCP header with no payload, as a raw IPv4 frame
 * (DLT_RAW) carries it: addresses as numbers (0x0a500001 is 10.80.0.1),
 * TTL 64, window 65535, no options, checksums left zero. */
void ts_test_tcp4(uint8_t p[40], uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                  uint32_t seq, uint32_t ack, uint8_t flags);

/* Run "tcpstates ARGS" through sh (ARGS is shell text) under a 120 s
 * timeout, capture its standard output and error (free them). Returns its
 * exit status (124 when it hung), -1 if it died by a signal. */
int ts_test_run(const char *args, char **out, char **err);

/* Run it and parse its standard output as one JSON document (NULL if not). */
json_object *ts_test_run_json(const char *args, int *status, char **err);

/* A key path "a.b.c" inside a JSON object, or NULL. */
json_object *ts_test_get(json_object *o, const char *path);

#endif
