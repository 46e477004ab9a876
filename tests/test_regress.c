/* test_regress.c - inputs the fuzzers found crashing, kept in testdata/fuzz/
 * (one file per finding, named after what it broke). Each must now give a
 * report or one clear error and exit 0 or 1; the sanitizer build of the
 * suite turns any memory error or undefined behaviour back into a failure. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

Test(regress, fuzzer_findings_stay_fixed)
{
    DIR *d = opendir(TS_SOURCE_DIR "/testdata/fuzz");
    cr_assert_not_null(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        for (int fmt = 0; fmt < 2; fmt++) {
            char args[700];
            snprintf(args, sizeof args, "%s '%s/testdata/fuzz/%s'",
                     fmt ? "--format text --timeline --max-flows 4" : "--timeline",
                     TS_SOURCE_DIR, e->d_name);
            char *out = NULL, *err = NULL;
            int st = ts_test_run(args, &out, &err);
            cr_expect(st == 0 || st == 1, "%s: exit %d, stderr: %s", args, st, err ? err : "");
            free(out);
            free(err);
        }
        n++;
    }
    closedir(d);
    cr_expect_geq(n, 1);
}
