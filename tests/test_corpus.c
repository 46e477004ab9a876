/* test_corpus.c - captures from other projects (../shared/corpus, optional:
 * skipped when absent). Malformed and odd files must each give either a
 * report or one clear message naming the file, exit 0 or 1, never a crash
 * or a hang; real traffic must read cleanly and, being normal traffic,
 * raise no SYN-flood alert. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "support.h"

#define CORPUS TS_SOURCE_DIR "/../shared/corpus"

static int is_capture(const char *name)
{
    size_t l = strlen(name);
    return (l > 5 && strcmp(name + l - 5, ".pcap") == 0) ||
           (l > 7 && strcmp(name + l - 7, ".pcapng") == 0) ||
           (l > 4 && strcmp(name + l - 4, ".cap") == 0) ||
           (l > 5 && strcmp(name + l - 5, ".dump") == 0) ||
           (l > 6 && strcmp(name + l - 6, ".trace") == 0);
}

static unsigned files, reports, messages;
static bool no_alerts; /* the folder holds normal traffic: an alert is a false one */

/* Captures in real/ that are SYN floods by construction, and must alert. */
static const char *const known_floods[] = {
    /* Suricata's own SYN-flood test: 200 SYNs from 192.0.2.10 to
     * 198.51.100.5:443 in 0.199 s, none answered (tcpdump -nr) */
    "firewall__tcp-session-syn-flood-drop-precedence/input.pcap",
};

static bool is_known_flood(const char *path)
{
    for (size_t i = 0; i < sizeof known_floods / sizeof known_floods[0]; i++) {
        size_t lp = strlen(path), lk = strlen(known_floods[i]);
        if (lp >= lk && strcmp(path + lp - lk, known_floods[i]) == 0)
            return true;
    }
    return false;
}

/* Run on one file; a hang is cut by the runner's timeout and fails. */
static void run_one(const char *path)
{
    char args[1600];
    snprintf(args, sizeof args, "'%s'", path);
    char *out = NULL, *err = NULL;
    int st = ts_test_run(args, &out, &err);
    files++;
    cr_expect(st == 0 || st == 1, "%s: exit status %d (124 = hang, >128 = crash); stderr: %s",
              path, st, err ? err : "");
    if (st == 0 || st == 1) {
        json_object *doc = out && *out ? json_tokener_parse(out) : NULL;
        if (doc) {
            reports++;
            json_object *n = ts_test_get(doc, "summary.alerts");
            int64_t alerts = n ? json_object_get_int64(n) : -1;
            if (no_alerts && is_known_flood(path))
                cr_expect_eq(alerts, 1, "%s: a known SYN flood gave %lld alerts", path,
                             (long long)alerts);
            else if (no_alerts)
                cr_expect_eq(alerts, 0, "%s: a SYN-flood alert on normal traffic: %s", path,
                             json_object_to_json_string(ts_test_get(doc, "alerts")));
            json_object_put(doc);
        } else {
            messages++;
            cr_expect(st == 1, "%s: exit 0 without a report", path);
            cr_expect(err && strstr(err, path), "%s: the message must name the file: %s", path,
                      err ? err : "");
            size_t lines = 0;
            for (const char *p = err; p && *p; p++)
                lines += *p == '\n';
            cr_expect_eq(lines, 1, "%s: one clear message, got: %s", path, err);
        }
    }
    free(out);
    free(err);
}

static void walk(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[1536];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (stat(path, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode) && depth < 4)
            walk(path, depth + 1);
        else if (S_ISREG(sb.st_mode) && is_capture(e->d_name))
            run_one(path);
    }
    closedir(d);
}

static void corpus_folder(const char *sub)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", CORPUS, sub);
    struct stat sb;
    if (stat(dir, &sb) != 0)
        cr_skip_test("%s is absent: nothing to check", dir);
    files = reports = messages = 0;
    walk(dir, 0);
    fprintf(stderr, "corpus %s: %u files, %u reports, %u clear errors\n", sub, files, reports,
            messages);
    cr_expect_gt(files, 0);
}

Test(corpus, malformed_never_crashes, .timeout = 600) { corpus_folder("malformed"); }
Test(corpus, real_traffic_never_crashes_nor_alerts, .timeout = 600)
{
    no_alerts = true;
    corpus_folder("real");
}
Test(corpus, zeek_traces_never_crash, .timeout = 600) { corpus_folder("zeek"); }
