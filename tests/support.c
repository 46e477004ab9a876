/* support.c - test helpers: source paths, running the binary, JSON access. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *ts_test_src(const char *rel)
{
    static char bufs[8][1024];
    static unsigned next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", TS_SOURCE_DIR, rel);
    return b;
}

/* The rest of f, NUL-terminated (free it); NULL when out of memory. */
static char *read_rest(FILE *f, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *s = malloc(cap + 1);
    size_t r;
    while (s && (r = fread(s + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *t = realloc(s, cap * 2 + 1);
            if (!t) {
                free(s);
                s = NULL;
                break;
            }
            s = t;
            cap *= 2;
        }
    }
    if (!s)
        return NULL;
    s[n] = '\0';
    if (len)
        *len = n;
    return s;
}

char *ts_test_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *s = read_rest(f, len);
    fclose(f);
    return s;
}

char *ts_test_slurp_written(FILE *fp, size_t *len)
{
    if (fflush(fp) != 0)
        return NULL;
    rewind(fp);
    return read_rest(fp, len);
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

void ts_test_tcp4(uint8_t p[40], uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                  uint32_t seq, uint32_t ack, uint8_t flags)
{
    memset(p, 0, 40);
    p[0] = 0x45;
    put16(p + 2, 40);
    p[8] = 64;
    p[9] = 6;
    put32(p + 12, src);
    put32(p + 16, dst);
    put16(p + 20, sport);
    put16(p + 22, dport);
    put32(p + 24, seq);
    put32(p + 28, ack);
    p[32] = 5 << 4;
    p[33] = flags;
    put16(p + 34, 65535);
}

int ts_test_run(const char *args, char **out, char **err)
{
    char outp[] = "/tmp/ts_test_outXXXXXX", errp[] = "/tmp/ts_test_errXXXXXX";
    int fo = mkstemp(outp), fe = mkstemp(errp);
    if (fo < 0 || fe < 0)
        return -1;
    close(fo);
    close(fe);
    size_t len = strlen(args) + strlen(TS_BINARY) + 2 * sizeof outp + 64;
    char *cmd = malloc(len);
    /* timeout(1) turns a hang into exit status 124 instead of a stuck suite */
    snprintf(cmd, len, "timeout 120 '%s' %s >%s 2>%s", TS_BINARY, args, outp, errp);
    int st = system(cmd);
    free(cmd);
    char *o = ts_test_slurp(outp, NULL), *e = ts_test_slurp(errp, NULL);
    unlink(outp);
    unlink(errp);
    if (out)
        *out = o;
    else
        free(o);
    if (err)
        *err = e;
    else
        free(e);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

json_object *ts_test_run_json(const char *args, int *status, char **err)
{
    char *out = NULL;
    int st = ts_test_run(args, &out, err);
    if (status)
        *status = st;
    json_object *j = out ? json_tokener_parse(out) : NULL;
    free(out);
    return j;
}

json_object *ts_test_get(json_object *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    char *save = NULL;
    for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save)) {
        json_object *next = NULL;
        if (!json_object_object_get_ex(o, k, &next))
            return NULL;
        o = next;
    }
    return o;
}
