/* test_cli.c - the command line: option parsing (pure) and, through the real
 * binary, exit codes and the one-line messages on standard error for bad
 * usage and bad input (SPEC.md: 0 success, 1 input unreadable or damaged,
 * 2 bad usage; the man page: 1 also when the report cannot be written). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "support.h"

static int parse(struct ts_options *o, char *err, size_t len, int argc, char **argv)
{
    return ts_cli_parse(argc, argv, o, err, len);
}

#define ARGV(...) ((char *[]){"tcpstates", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"tcpstates", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(o, err, ...) parse(o, err, sizeof err, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

Test(cli, file_and_trailing_filter)
{
    struct ts_options o;
    char err[256];
    cr_assert_eq(PARSE(&o, err, "cap.pcap", "tcp", "port", "80"), 0, "%s", err);
    cr_expect_str_eq(o.read_file, "cap.pcap");
    cr_expect_str_eq(o.filter, "tcp port 80");
    cr_expect_eq(o.format, TS_FORMAT_JSON);
    ts_cli_free(&o);
}

Test(cli, options_after_the_file_are_options)
{
    struct ts_options o;
    char err[256];
    cr_assert_eq(PARSE(&o, err, "cap.pcap", "--format", "text", "--timeline", "-c", "5"), 0,
                 "%s", err);
    cr_expect_eq(o.format, TS_FORMAT_TEXT);
    cr_expect(o.timeline);
    cr_expect_eq(o.count, 5);
    cr_expect_null(o.filter);
    ts_cli_free(&o);
}

Test(cli, live_defaults_to_ndjson)
{
    struct ts_options o;
    char err[256];
    cr_assert_eq(PARSE(&o, err, "-i", "eth0", "-p"), 0, "%s", err);
    cr_expect_str_eq(o.iface, "eth0");
    cr_expect_not(o.promisc);
    cr_expect_eq(o.format, TS_FORMAT_NDJSON);
    ts_cli_free(&o);
}

Test(cli, numbers_and_units)
{
    struct ts_options o;
    char err[256];
    cr_assert_eq(PARSE(&o, err, "-r", "x", "--msl", "1.5", "--memcap", "64M", "--max-flows",
                       "1000", "--idle-timeout", "10", "--duration", "2.5"),
                 0, "%s", err);
    cr_expect_eq(o.cfg.msl_ns, 1500000000LL);
    cr_expect_eq(o.cfg.memcap, 64ull << 20);
    cr_expect_eq(o.cfg.max_flows, 1000);
    cr_expect_eq(o.cfg.idle_timeout_ns, 10000000000LL);
    cr_expect_eq(o.duration_ns, 2500000000LL);
    ts_cli_free(&o);
}

Test(cli, defaults_are_specs)
{
    struct ts_options o;
    char err[256];
    cr_assert_eq(PARSE(&o, err, "x.pcap"), 0, "%s", err);
    /* SPEC.md: --msl 30 (Linux's 60 s TIME_WAIT), --idle-timeout 3600, memcap 256 MiB */
    cr_expect_eq(o.cfg.msl_ns, 30000000000LL);
    cr_expect_eq(o.cfg.idle_timeout_ns, 3600000000000LL);
    cr_expect_eq(o.cfg.memcap, 256ull << 20);
    cr_expect(o.promisc);
    ts_cli_free(&o);
}

Test(cli, usage_errors)
{
    struct ts_options o;
    char err[256];
    cr_expect_lt(PARSE(&o, err, "--bogus"), 0);
    cr_expect(strstr(err, "--bogus") != NULL, "%s", err);
    cr_expect_lt(PARSE(&o, err, "x", "-c"), 0);
    cr_expect(strstr(err, "-c") != NULL, "%s", err);
    cr_expect_lt(PARSE(&o, err, "x", "-c", "abc"), 0);
    cr_expect_lt(PARSE(&o, err, "x", "-c", "0"), 0);
    cr_expect_lt(PARSE(&o, err, "x", "-c", "-3"), 0);
    cr_expect_lt(PARSE(&o, err, "x", "--format", "xml"), 0);
    cr_expect(strstr(err, "xml") != NULL, "%s", err);
    cr_expect_lt(PARSE(&o, err, "x", "--msl", "nan"), 0);
    cr_expect_lt(PARSE(&o, err, "x", "--msl", "-1"), 0);
    cr_expect_lt(PARSE(&o, err, "x", "--memcap", "12Q"), 0);
    cr_expect_lt(PARSE(&o, err, "x", "--max-flows", "99999999999"), 0);
    cr_expect_lt(PARSE(&o, err, "x", "--format"), 0);
    cr_expect(strstr(err, "--format") != NULL, "%s", err);
    cr_expect_lt(PARSE(&o, err, "-i", "lo", "-r", "x.pcap"), 0);
    /* as in tcpdump, words after -i IFACE are the filter */
    cr_expect_eq(PARSE(&o, err, "-i", "lo", "tcp"), 0);
    cr_expect_str_eq(o.filter, "tcp");
    ts_cli_free(&o);
    cr_expect_lt(PARSE(&o, err, "x.pcap", "-f", "tcp", "port", "80"), 0);
    char *no_input[] = {"tcpstates", NULL};
    cr_expect_lt(parse(&o, err, sizeof err, 1, no_input), 0);
    cr_expect(strstr(err, "no input") != NULL, "%s", err);
}

/* The SYN-flood options (man page, SYN FLOODS): defaults 200 and 128, and
 * the outputs that exclude one another. */
Test(cli, syn_flood_options)
{
    struct ts_options o;
    char err[256];
    cr_assert_eq(PARSE(&o, err, "x.pcap"), 0, "%s", err);
    cr_expect_eq(o.cfg.syn_flood_rate, 200);
    cr_expect_eq(o.cfg.syn_flood_half_open, 128);
    cr_expect(!o.check && !o.alerts_only && !o.metrics_file);
    ts_cli_free(&o);
    cr_assert_eq(PARSE(&o, err, "x.pcap", "--syn-flood-rate", "50.5", "--syn-flood-half-open",
                       "64", "--alerts-only", "--metrics", "m.prom"),
                 0, "%s", err);
    cr_expect_eq(o.cfg.syn_flood_rate, 50.5);
    cr_expect_eq(o.cfg.syn_flood_half_open, 64);
    cr_expect(o.alerts_only);
    cr_expect_eq(o.format, TS_FORMAT_NDJSON, "--alerts-only writes NDJSON");
    cr_expect_str_eq(o.metrics_file, "m.prom");
    ts_cli_free(&o);
    cr_assert_eq(PARSE(&o, err, "--check", "-i", "eth0", "--duration", "50"), 0, "%s", err);
    cr_expect(o.check);
    ts_cli_free(&o);
    cr_expect_lt(PARSE(&o, err, "x", "--syn-flood-rate", "0"), 0);
    cr_expect_lt(PARSE(&o, err, "x", "--syn-flood-rate", "fast"), 0);
    cr_expect_lt(PARSE(&o, err, "x", "--syn-flood-half-open", "0"), 0);
    cr_expect_lt(PARSE(&o, err, "x", "--check", "--alerts-only"), 0);
    cr_expect_lt(PARSE(&o, err, "x", "--check", "--format", "json"), 0);
    cr_expect(strstr(err, "--check") != NULL, "%s", err);
    cr_expect_lt(PARSE(&o, err, "x", "--check", "-o", "out"), 0);
    cr_expect_lt(PARSE(&o, err, "x", "--alerts-only", "--format", "text"), 0);
    cr_expect(strstr(err, "--alerts-only") != NULL, "%s", err);
    cr_expect_eq(PARSE(&o, err, "x", "--alerts-only", "--format", "ndjson"), 0, "%s", err);
    ts_cli_free(&o);
}

/* ------------------------------------------------------ through the binary */

static void expect_run(const char *args, int status, const char *stderr_has)
{
    char *out = NULL, *err = NULL;
    int st = ts_test_run(args, &out, &err);
    cr_expect_eq(st, status, "tcpstates %s: exit %d, expected %d (stderr: %s)", args, st,
                 status, err ? err : "");
    if (stderr_has)
        cr_expect(err && strstr(err, stderr_has), "tcpstates %s: stderr lacks '%s': %s", args,
                  stderr_has, err ? err : "");
    free(out);
    free(err);
}

Test(cli_binary, exit_codes_and_messages)
{
    expect_run("", 2, "no input");
    expect_run("--bogus x", 2, "unknown option --bogus");
    expect_run("-c", 2, "needs a value");
    expect_run("''", 2, "the capture file's name is empty");
    expect_run("--help", 0, NULL);
    expect_run("/nonexistent/cap.pcap", 1, "/nonexistent/cap.pcap: No such file or directory");
    expect_run("/tmp", 1, "/tmp: is a directory");
    char args[512];
    snprintf(args, sizeof args, "'%s'", ts_test_src("testdata/normal_client_closes_first.truth"));
    expect_run(args, 1, "not a pcap or pcapng capture");
    snprintf(args, sizeof args, "'%s' 'tcp port ((('",
             ts_test_src("testdata/normal_client_closes_first.pcap"));
    expect_run(args, 2, "bad filter expression");
    expect_run("-i ts-no-such-if0 -c 1", 1, "ts-no-such-if0");
}

/* A report (or the -w copy of the packets) that cannot be written is a
 * failure, as a capture that cannot be read is (man page, EXIT STATUS: 1): /dev/full refuses every write with
 * ENOSPC (full(4)), a closed descriptor with EBADF. The message names where
 * the report was going and why; --check says UNKNOWN (3). */
static void expect_unwritable(const char *args, const char *redirect, int status,
                              const char *names, const char *why)
{
    char errp[] = "/tmp/ts_test_errXXXXXX";
    int fe = mkstemp(errp);
    cr_assert_geq(fe, 0);
    close(fe);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "timeout 120 '%s' %s '%s' %s 2>%s", TS_BINARY, args,
             ts_test_src("testdata/normal_client_closes_first.pcap"), redirect, errp);
    int st = system(cmd);
    char *err = ts_test_slurp(errp, NULL);
    unlink(errp);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == status, "%s: exit %d, expected %d", cmd,
              WIFEXITED(st) ? WEXITSTATUS(st) : -1, status);
    cr_expect(err && strstr(err, names) && strstr(err, why), "%s: stderr: %s", cmd,
              err ? err : "");
    free(err);
}

Test(cli_binary, a_report_that_cannot_be_written_fails)
{
    expect_unwritable("", ">/dev/full", 1, "standard output", "No space left on device");
    expect_unwritable("--format text", ">/dev/full", 1, "standard output",
                      "No space left on device");
    expect_unwritable("--format ndjson", ">&-", 1, "standard output", "Bad file descriptor");
    expect_unwritable("-o /dev/full", "", 1, "/dev/full", "No space left on device");
    expect_unwritable("--check", ">/dev/full", 3, "standard output", "No space left on device");
    /* the packets kept with -w, the evidence */
    expect_unwritable("-w /dev/full", ">/dev/null", 1, "/dev/full", "No space left on device");
}

/* --check tells its own failures in the status line, not only in the
 * exit status: UNKNOWN names the file it could not write; a SYN flood
 * still makes the line CRITICAL (the flood was seen all the same). */
Test(cli_binary, check_line_names_what_could_not_be_written)
{
    char args[1024], *out = NULL;
    snprintf(args, sizeof args, "--check -w /dev/full '%s'",
             ts_test_src("testdata/several_parallel.pcap"));
    cr_expect_eq(ts_test_run(args, &out, NULL), 3);
    cr_expect(out && !strncmp(out, "TCPSTATES UNKNOWN - /dev/full: ", 31), "%s", out ? out : "");
    free(out);
    out = NULL;
    snprintf(args, sizeof args, "--check -w /dev/full '%s'",
             ts_test_src("testdata/floods/flood_stops.pcap"));
    cr_expect_eq(ts_test_run(args, &out, NULL), 2);
    cr_expect(out && !strncmp(out, "TCPSTATES CRITICAL - SYN flood on ", 34), "%s",
              out ? out : "");
    free(out);
}

Test(cli_binary, help_and_version_on_stdout)
{
    char *out = NULL;
    cr_assert_eq(ts_test_run("--help", &out, NULL), 0);
    cr_expect(strstr(out, "Usage: tcpstates") != NULL);
    free(out);
    cr_assert_eq(ts_test_run("-V", &out, NULL), 0);
    cr_expect(strncmp(out, "tcpstates ", 10) == 0, "%s", out);
    free(out);
}

Test(cli_binary, empty_file_is_not_a_capture)
{
    char path[] = "/tmp/ts_empty_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    char args[64];
    snprintf(args, sizeof args, "%s", path);
    expect_run(args, 1, path);
    unlink(path);
}

/* A capture cut in the middle of a record: what was read before is reported,
 * input.errors names the record, and the exit status is 1. */
Test(cli_binary, truncated_capture_reports_what_came_before)
{
    size_t len;
    char *pcap = ts_test_slurp(ts_test_src("testdata/normal_client_closes_first.pcap"), &len);
    cr_assert_not_null(pcap);
    /* walk the classic pcap records: 24-byte file header, 16-byte record headers */
    size_t off = 24;
    for (int rec = 0; rec < 5; rec++) {
        uint32_t incl;
        memcpy(&incl, pcap + off + 8, 4);
        off += 16 + incl;
    }
    size_t cut = off + 16 + 10; /* inside record 6's data */
    cr_assert_lt(cut, len);
    char path[] = "/tmp/ts_trunc_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_eq(write(fd, pcap, cut), (ssize_t)cut);
    close(fd);
    free(pcap);

    int status;
    char *err = NULL;
    json_object *doc = ts_test_run_json(path, &status, &err);
    cr_expect_eq(status, 1);
    cr_expect(err && strstr(err, path) && strstr(err, "record 6"), "stderr: %s", err);
    cr_assert_not_null(doc, "a report must still be written");
    cr_expect_eq(json_object_get_int(ts_test_get(doc, "input.packets")), 5);
    cr_expect_eq(json_object_array_length(ts_test_get(doc, "flows")), 1);
    json_object *errors = ts_test_get(doc, "input.errors");
    cr_assert_eq(json_object_array_length(errors), 1);
    cr_expect(strstr(json_object_get_string(json_object_array_get_idx(errors, 0)), "record 6"));
    json_object_put(doc);
    free(err);
    unlink(path);
}

Test(cli_binary, stdin_output_file_count_and_filter)
{
    const char *cap = ts_test_src("testdata/several_parallel.pcap");
    char args[1024];
    int status;

    snprintf(args, sizeof args, "- < '%s'", cap);
    json_object *doc = ts_test_run_json(args, &status, NULL);
    cr_assert_eq(status, 0);
    cr_expect_str_eq(json_object_get_string(ts_test_get(doc, "input.source")), "-");
    cr_expect_eq(json_object_array_length(ts_test_get(doc, "flows")), 5);
    json_object_put(doc);

    /* BPF as trailing words: only the connection from port 40143 */
    snprintf(args, sizeof args, "'%s' tcp port 40143", cap);
    doc = ts_test_run_json(args, &status, NULL);
    cr_assert_eq(status, 0);
    cr_expect_eq(json_object_array_length(ts_test_get(doc, "flows")), 1);
    json_object_put(doc);

    snprintf(args, sizeof args, "-c 3 '%s'", cap);
    doc = ts_test_run_json(args, &status, NULL);
    cr_expect_eq(json_object_get_int(ts_test_get(doc, "input.packets")), 3);
    json_object_put(doc);

    char out[] = "/tmp/ts_out_XXXXXX";
    int fd = mkstemp(out);
    close(fd);
    snprintf(args, sizeof args, "-o %s --format text '%s'", out, cap);
    char *so = NULL;
    cr_assert_eq(ts_test_run(args, &so, NULL), 0);
    cr_expect_str_eq(so, "");
    char *text = ts_test_slurp(out, NULL);
    cr_expect(text && strstr(text, "FIN_WAIT_2"), "%s", text);
    free(so);
    free(text);
    unlink(out);
}

/* A filter does not renumber the packets: transitions and the text
 * timeline give the record numbers of the file, which Wireshark and tshark
 * show as frame numbers (tshark -r several_parallel.pcap -Y ip.src==10.77.0.2:
 * frames 2, 5, ..., 18 of them; frame 2 is the first SYN-ACK). */
Test(cli_binary, a_filter_keeps_the_files_packet_numbers)
{
    const char *cap = ts_test_src("testdata/several_parallel.pcap");
    char args[1024];
    int status;
    snprintf(args, sizeof args, "--timeline '%s' src host 10.77.0.2", cap);
    json_object *doc = ts_test_run_json(args, &status, NULL);
    cr_assert_eq(status, 0);
    json_object *flows = ts_test_get(doc, "flows");
    cr_assert(flows && json_object_array_length(flows) > 0);
    json_object *trans = ts_test_get(json_object_array_get_idx(flows, 0), "transitions");
    cr_assert(trans && json_object_array_length(trans) > 0);
    json_object *t = json_object_array_get_idx(trans, 0);
    cr_expect_str_eq(json_object_get_string(ts_test_get(t, "to")), "SYN_RCVD");
    cr_expect_eq(json_object_get_int(ts_test_get(t, "packet")), 2);
    cr_expect_eq(json_object_get_int(ts_test_get(doc, "input.packets")), 18,
                 "the packets that passed the filter are still the ones counted");
    json_object_put(doc);
    char *out = NULL;
    snprintf(args, sizeof args, "--format text --timeline '%s' src host 10.77.0.2", cap);
    cr_assert_eq(ts_test_run(args, &out, NULL), 0);
    char *line = out ? strchr(out, '\n') : NULL;
    cr_assert_not_null(line);
    unsigned pkt = 0;
    cr_expect_eq(sscanf(line + 1, "%u", &pkt), 1);
    cr_expect_eq(pkt, 2, "first timeline line: %.80s", line + 1);
    free(out);
}

/* The client enters ESTABLISHED when it receives the SYN-ACK (frame 2),
 * which its ACK (frame 3) proves: JSON gives the transition packet 2; the
 * text timeline, which derives it at frame 3, says so on that line. */
Test(cli_binary, text_timeline_names_the_packet_that_caused_a_late_transition)
{
    const char *cap = ts_test_src("testdata/several_parallel.pcap");
    char args[1024], *out = NULL;
    snprintf(args, sizeof args, "--format text --timeline -c 3 '%s'", cap);
    cr_assert_eq(ts_test_run(args, &out, NULL), 0);
    cr_assert_not_null(out);
    const char *l3 = strstr(out, "\n     3 ");
    cr_assert_not_null(l3, "%s", out);
    const char *end = strchr(l3 + 1, '\n');
    cr_assert_not_null(end);
    char line[512];
    snprintf(line, sizeof line, "%.*s", (int)(end - l3 - 1), l3 + 1);
    cr_expect(strstr(line, "client SYN_SENT->ESTABLISHED (packet 2)") != NULL, "%s", line);
    cr_expect(strstr(line, "server SYN_RCVD->ESTABLISHED") != NULL &&
                  strstr(line, "SYN_RCVD->ESTABLISHED (packet") == NULL,
              "the server's transition is frame 3's own: %s", line);
    free(out);
}

/* --metrics is written by renaming a new file into its directory: a
 * directory that does not allow it fails at the start, before any packet,
 * not at the end of a long capture. */
Test(cli_binary, a_metrics_file_that_cannot_be_written_fails_at_once)
{
    const char *cap = ts_test_src("testdata/several_parallel.pcap");
    char args[1024], *out = NULL;
    snprintf(args, sizeof args, "--metrics /nonexistent/dir/x.prom '%s'", cap);
    expect_run(args, 1, "/nonexistent/dir/x.prom: No such file or directory");
    cr_expect_eq(ts_test_run(args, &out, NULL), 1);
    cr_expect_str_eq(out ? out : "?", "", "a report was written");
    free(out);
    out = NULL;
    snprintf(args, sizeof args, "--check --metrics /tmp '%s'", cap);
    cr_expect_eq(ts_test_run(args, &out, NULL), 3);
    cr_expect(out && !strncmp(out, "TCPSTATES UNKNOWN - /tmp: Is a directory", 40), "%s",
              out ? out : "");
    free(out);
}

/* -Z applies to a file too (tcpdump drops privileges after opening a
 * savefile as well): an unknown user is a usage error, and started as root
 * the run happens as that user, whose rights the metrics' directory then
 * needs. */
Test(cli_binary, user_option_applies_to_files)
{
    const char *cap = ts_test_src("testdata/several_parallel.pcap");
    char args[1024];
    snprintf(args, sizeof args, "-Z ts-no-such-user '%s'", cap);
    expect_run(args, 2, "-Z ts-no-such-user: no such user");
    if (geteuid() != 0 || !getpwnam("nobody"))
        return; /* the drop itself needs root */
    char dir[] = "/tmp/ts_rootonly_XXXXXX";
    cr_assert_not_null(mkdtemp(dir)); /* mode 0700, root's */
    snprintf(args, sizeof args, "-Z nobody --metrics %s/m.prom '%s'", dir, cap);
    expect_run(args, 1, "Permission denied (running as nobody");
    /* without -Z a file is read as root */
    snprintf(args, sizeof args, "--metrics %s/m.prom -o /dev/null '%s'", dir, cap);
    expect_run(args, 0, NULL);
    char prom[600];
    snprintf(prom, sizeof prom, "%s/m.prom", dir);
    unlink(prom);
    rmdir(dir);
}

/* -o, -w or --metrics naming the capture being read (or two of them one
 * file) would destroy it as it is read: a usage error, and the capture
 * stays as it was. --metrics replaces its file by renaming, so a FIFO or a
 * device there is refused rather than replaced by a regular file. */
Test(cli_binary, outputs_never_overwrite_the_capture)
{
    char dir[] = "/tmp/ts_clash_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char cap[300], fifo[300], args[1024];
    snprintf(cap, sizeof cap, "%s/cap.pcap", dir);
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    size_t len0 = 0, len = 0;
    char *orig = ts_test_slurp(ts_test_src("testdata/several_parallel.pcap"), &len0);
    cr_assert_not_null(orig);
    FILE *f = fopen(cap, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(orig, 1, len0, f), len0);
    fclose(f);
    const char *forms[] = {"-o '%s' '%s'", "-w '%s' '%s'", "--metrics '%s' '%s'",
                           "-o '%s' - <'%s'"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        snprintf(args, sizeof args, forms[i], cap, cap);
        char *err = NULL;
        cr_expect_eq(ts_test_run(args, NULL, &err), 2, "%s", args);
        cr_expect(err && strstr(err, "it is the capture being read"), "%s: %s", args,
                  err ? err : "");
        free(err);
        char *now = ts_test_slurp(cap, &len);
        cr_expect(now && len == len0 && memcmp(now, orig, len0) == 0, "%s changed the capture",
                  args);
        free(now);
    }
    snprintf(args, sizeof args, "-o '%s/x' -w '%s/x' '%s'", dir, dir, cap);
    cr_expect_eq(ts_test_run(args, NULL, NULL), 2, "%s", args);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    char *err = NULL;
    snprintf(args, sizeof args, "--metrics '%s' '%s'", fifo, cap);
    cr_expect_eq(ts_test_run(args, NULL, &err), 1, "%s", args);
    cr_expect(err && strstr(err, "not a regular file"), "%s", err ? err : "");
    free(err);
    struct stat st;
    cr_expect(stat(fifo, &st) == 0 && S_ISFIFO(st.st_mode), "the FIFO was replaced");
    free(orig);
    unlink(fifo);
    unlink(cap);
    rmdir(dir);
}

/* A file read stopped by SIGINT (or SIGTERM) reports what was read and
 * says it stopped and where, with status 1: the report is not the whole
 * file's. Over a pipe, where the signal interrupts a waiting read, the
 * same (not "Interrupted system call", as if the input were damaged). The
 * test writes the capture's header and first 10 records into a FIFO, lets
 * tcpstates read them, then signals it while it waits for more. */
Test(cli_binary, a_read_stopped_by_a_signal_says_so)
{
    size_t len = 0;
    char *cap = ts_test_slurp(ts_test_src("testdata/several_parallel.pcap"), &len);
    cr_assert(cap && len > 24);
    size_t off = 24;
    for (int i = 0; i < 10; i++) {
        uint32_t incl;
        memcpy(&incl, cap + off + 8, 4); /* the file is little-endian, as this host */
        off += 16 + incl;
    }
    char dir[] = "/tmp/ts_sig_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char fifo[300], outp[300];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    snprintf(outp, sizeof outp, "%s/out.json", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int fd = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int nul = open("/dev/null", O_WRONLY);
        if (fd < 0 || nul < 0 || dup2(fd, 1) < 0 || dup2(nul, 2) < 0)
            _exit(127);
        execl(TS_BINARY, "tcpstates", fifo, (char *)NULL);
        _exit(127);
    }
    int w = open(fifo, O_WRONLY);
    cr_assert_geq(w, 0);
    cr_assert_eq(write(w, cap, off), (ssize_t)off);
    /* it has read all (its signal handlers are set before the records are
     * read) once the pipe is empty; then it waits in read(2) */
    int queued = 1;
    for (int i = 0; i < 1000 && queued > 0; i++) {
        cr_assert_eq(ioctl(w, FIONREAD, &queued), 0);
        usleep(10000);
    }
    cr_assert_eq(queued, 0, "tcpstates did not read the records");
    usleep(200000);
    kill(pid, SIGINT);
    int st = 0;
    waitpid(pid, &st, 0);
    close(w);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %d", st);
    json_object *doc = json_object_from_file(outp);
    cr_assert_not_null(doc, "no JSON report");
    json_object *errs = ts_test_get(doc, "input.errors");
    cr_expect(errs && json_object_array_length(errs) == 1);
    const char *e = errs ? json_object_get_string(json_object_array_get_idx(errs, 0)) : "";
    cr_expect_str_eq(e, "stopped by SIGINT after record 10: the rest was not read");
    cr_expect_eq(json_object_get_int(ts_test_get(doc, "input.packets")), 10);
    json_object_put(doc);
    free(cap);
    unlink(outp);
    unlink(fifo);
    rmdir(dir);
}

/* Every option --help names is documented in the manual page. */
Test(cli_binary, man_page_documents_every_option)
{
    char *help = NULL;
    cr_assert_eq(ts_test_run("--help", &help, NULL), 0);
    char *man = ts_test_slurp(ts_test_src("man/tcpstates.1"), NULL);
    cr_assert_not_null(man);
    int options = 0;
    for (char *p = help; (p = strstr(p, "--")) != NULL; p += 2) {
        char name[64], roff[80];
        int n = 0;
        for (const char *q = p + 2; (*q >= 'a' && *q <= 'z') || *q == '-'; q++)
            if (n < 63)
                name[n++] = *q;
        name[n] = '\0';
        if (n < 2)
            continue;
        /* roff writes each '-' as '\-' */
        int k = 0;
        k += snprintf(roff + k, sizeof roff - k, "\\-\\-");
        for (int i = 0; i < n && k < (int)sizeof roff - 3; i++)
            k += snprintf(roff + k, sizeof roff - k, name[i] == '-' ? "\\-" : "%c", name[i]);
        cr_expect(strstr(man, roff) != NULL, "--%s is not in man/tcpstates.1", name);
        options++;
    }
    cr_expect_geq(options, 10);
    free(help);
    free(man);
}

/* The hash seed is random per run, yet the report is byte-identical. */
Test(cli_binary, output_is_the_same_on_every_run)
{
    const char *caps[] = {"testdata/several_parallel.pcap", "testdata/crafted_time_wait_expiry.pcap",
                          "testdata/reconnect_time_wait.pcap"};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        char args[600];
        snprintf(args, sizeof args, "--timeline --max-flows 2 '%s'", ts_test_src(caps[i]));
        char *a = NULL, *b = NULL;
        cr_assert_eq(ts_test_run(args, &a, NULL), 0);
        cr_assert_eq(ts_test_run(args, &b, NULL), 0);
        cr_expect_str_eq(a, b, "%s differs between runs", caps[i]);
        free(a);
        free(b);
    }
    /* a SYN flood evicting most connections (the detector's lossy tables
     * must not depend on the per-run hash seed) */
    char args[600];
    snprintf(args, sizeof args, "--memcap 300k '%s'",
             ts_test_src("testdata/floods/flood_nocookies.pcap"));
    char *a = NULL, *b = NULL;
    cr_assert_eq(ts_test_run(args, &a, NULL), 0);
    cr_assert_eq(ts_test_run(args, &b, NULL), 0);
    cr_expect(strcmp(a, b) == 0, "the flood with --memcap 300k differs between runs");
    free(a);
    free(b);
}

/* A file name with quotes, a backslash and a tab is escaped in the JSON
 * (json-c, an independent parser, reads it back). */
Test(cli_binary, odd_file_names_are_escaped)
{
    const char *name = "/tmp/ts q\"uote\\back\tslash.pcap";
    size_t len;
    char *pcap = ts_test_slurp(ts_test_src("testdata/several_parallel.pcap"), &len);
    cr_assert_not_null(pcap);
    FILE *f = fopen(name, "wb");
    cr_assert_not_null(f);
    fwrite(pcap, 1, len, f);
    fclose(f);
    free(pcap);
    int status;
    json_object *doc = ts_test_run_json("\"/tmp/ts q\\\"uote\\\\back\tslash.pcap\"", &status, NULL);
    cr_assert_not_null(doc);
    cr_expect_eq(status, 0);
    cr_expect_str_eq(json_object_get_string(ts_test_get(doc, "input.source")), name);
    json_object_put(doc);
    unlink(name);
}
