/* Stored probes (doctor/probe_store.h) and the probe a check obtains from
 * the store (doctor/probe_session.h): one file per host and workload under
 * the cache directory, a probe read back as written, a hand-edited or foreign
 * file refused in one line (and, for the checks, only noted), no file when
 * there is nowhere to keep one. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doctor/probe.h"
#include "doctor/probe_session.h"
#include "doctor/probe_store.h"
#include "fixtures.h"

typedef struct fixture {
    char *dir;
    char *saved_home;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = fixture_tempdir();
    const char *home = getenv("HOME");
    f->saved_home = home ? strdup(home) : NULL;
    setenv("XDG_CACHE_HOME", f->dir, 1);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    fixture_rmrf(f->dir);
    unsetenv("XDG_CACHE_HOME");
    if (f->saved_home)
        setenv("HOME", f->saved_home, 1);
    free(f->saved_home);
    free(f->dir);
    free(f);
    return 0;
}

static void sample_probe(probe_result *r, probe_trial t[2])
{
    memset(r, 0, sizeof *r);
    snprintf(r->workload, sizeof r->workload, "hmlcost train --epochs 1");
    snprintf(r->host, sizeof r->host, "Made-up CPU, 8 logical CPUs");
    snprintf(r->measured_at, sizeof r->measured_at, "2026-01-01T00:00:00.000Z");
    r->seconds = 12.5;
    r->batch = 64;
    r->threads = 4;
    r->noise = 0.03;
    r->load_before = 0.5;
    r->load_after = NAN;
    t[0] = (probe_trial){.batch = 64, .threads = 4, .ran = true, .images = 2048,
                         .images_per_s = 900, .wall_s = 3.1, .energy_per_image_j = 0.02,
                         .energy_method = "rapl", .peak_rss_bytes = 3e8, .loss = 2.1};
    t[1] = (probe_trial){.batch = 1024, .threads = 4, .ran = false,
                         .note = "skipped: would not fit the budget", .images_per_s = NAN,
                         .energy_per_image_j = NAN, .loss = NAN};
    r->trial = t;
    r->count = 2;
    r->control = t[0];
    r->control.images_per_s = 870;
}

static void the_path_depends_on_host_and_workload(void **state)
{
    fixture *f = *state;
    char a[4096], b[4096], c[4096];
    assert_true(probe_store_path("host-1", "train", a, sizeof a));
    assert_true(probe_store_path("host-2", "train", b, sizeof b));
    assert_true(probe_store_path("host-1", "train --lr 0.1", c, sizeof c));
    char prefix[4200];
    snprintf(prefix, sizeof prefix, "%s/hmlcost/probes/", f->dir);
    assert_true(strncmp(a, prefix, strlen(prefix)) == 0);
    assert_non_null(strstr(a, ".json"));
    assert_string_not_equal(a, b);
    assert_string_not_equal(a, c);
    char again[4096];
    assert_true(probe_store_path("host-1", "train", again, sizeof again));
    assert_string_equal(a, again);

    unsetenv("XDG_CACHE_HOME");
    setenv("HOME", "/home/someone", 1);
    assert_true(probe_store_path("host-1", "train", a, sizeof a));
    assert_true(strncmp(a, "/home/someone/.cache/hmlcost/probes/", 36) == 0);
    unsetenv("HOME");
    assert_false(probe_store_path("host-1", "train", a, sizeof a));
}

static void a_probe_reads_back_as_written(void **state)
{
    fixture *f = *state;
    probe_result r;
    probe_trial t[2];
    sample_probe(&r, t);
    char path[4200];
    snprintf(path, sizeof path, "%s/deep/er/probe.json", f->dir); /* directories made */
    hml_err err;
    assert_int_equal(probe_store_save(path, &r, &err), HML_OK);

    probe_result back;
    bool found = false;
    assert_int_equal(probe_store_load(path, &back, &found, &err), HML_OK);
    assert_true(found);
    assert_string_equal(back.workload, r.workload);
    assert_string_equal(back.host, r.host);
    assert_string_equal(back.measured_at, r.measured_at);
    assert_true(back.seconds == 12.5 && back.batch == 64 && back.threads == 4);
    assert_float_equal(back.noise, 0.03, 1e-15);
    assert_true(back.load_before == 0.5 && isnan(back.load_after));
    assert_int_equal(back.count, 2);
    assert_true(back.trial[0].ran);
    assert_int_equal(back.trial[0].images, 2048);
    assert_true(back.trial[0].images_per_s == 900 && back.trial[0].peak_rss_bytes == 3e8);
    assert_string_equal(back.trial[0].energy_method, "rapl");
    assert_false(back.trial[1].ran);
    assert_string_equal(back.trial[1].note, "skipped: would not fit the budget");
    assert_true(isnan(back.trial[1].images_per_s) && isnan(back.trial[1].loss));
    assert_true(back.control.images_per_s == 870);
    probe_result_free(&back);

    /* Saved again: replaced whole, no temporary file left beside it. */
    r.count = 1;
    assert_int_equal(probe_store_save(path, &r, &err), HML_OK);
    assert_int_equal(probe_store_load(path, &back, &found, &err), HML_OK);
    assert_int_equal(back.count, 1);
    probe_result_free(&back);
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    assert_int_equal(access(tmp, F_OK), -1);

    cJSON *j = probe_result_json(&r);
    assert_non_null(j);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "load_after"))); /* NaN: an explicit null */
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "trials")), 1);
    cJSON_Delete(j);
}

static void write_text(const char *path, const char *text)
{
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fputs(text, out);
    fclose(out);
}

static void files_that_are_not_probes_are_refused(void **state)
{
    fixture *f = *state;
    char path[4200];
    snprintf(path, sizeof path, "%s/probe.json", f->dir);
    probe_result r;
    bool found = true;
    hml_err err;
    assert_int_equal(probe_store_load(path, &r, &found, &err), HML_OK); /* none yet */
    assert_false(found);

    const char *bad[] = {"", "not json", "{\"schema\": 99, \"trials\": []}",
                         "{\"schema\": 1, \"trials\": 3}", "[1, 2]"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        write_text(path, bad[i]);
        assert_int_equal(probe_store_load(path, &r, &found, &err), HML_EUSAGE);
        assert_false(found);
        assert_non_null(strstr(err.msg, "not a stored probe of this hmlcost version"));
        assert_null(strchr(err.msg, '\n'));
    }
}

/* Hand-edited numbers read as "not known"; a trial no check could use is
 * dropped. */
static void hand_edited_fields_read_as_unknown(void **state)
{
    fixture *f = *state;
    char path[4200];
    snprintf(path, sizeof path, "%s/probe.json", f->dir);
    write_text(path, "{\"schema\": 1, \"batch\": \"many\", \"threads\": 1e300, \"noise\": -1,"
                     " \"trials\": [{\"batch\": 0, \"threads\": 2, \"ran\": true},"
                     " {\"batch\": 32, \"threads\": 2, \"ran\": true, \"images\": -5,"
                     "  \"wall_s\": \"fast\"}]}");
    probe_result r;
    bool found = false;
    hml_err err;
    assert_int_equal(probe_store_load(path, &r, &found, &err), HML_OK);
    assert_true(found);
    assert_int_equal(r.batch, 0);
    assert_int_equal(r.threads, 0);
    assert_true(isnan(r.noise));
    assert_int_equal(r.count, 1);
    assert_int_equal(r.trial[0].batch, 32);
    assert_int_equal(r.trial[0].images, 0);
    assert_true(isnan(r.trial[0].wall_s));
    assert_false(r.control.ran);
    probe_result_free(&r);
}

/* The doctor's checks without --probe: the stored probe for this host and
 * workload, or none; an unreadable one is a note, not an error. */
static void a_check_reads_the_stored_probe_or_notes_why_not(void **state)
{
    (void)state;
    char *env[] = {NULL};
    doctor_context ctx = fixture_context(env, NULL);
    char *args[] = {"--epochs", "1", "--batch", "64"};
    probe_result p;
    bool have = true;
    char source[4200];
    hml_err err;
    assert_int_equal(doctor_probe_obtain(&ctx, args, 4, NULL, &p, &have, source, sizeof source,
                                         &err),
                     HML_OK);
    assert_false(have);
    assert_string_equal(source, "");

    char host[512], workload[1024], path[4096];
    probe_describe_host(&ctx.host, host, sizeof host);
    probe_describe_workload(NULL, args, 4, workload, sizeof workload);
    assert_true(probe_store_path(host, workload, path, sizeof path));
    probe_result r;
    probe_trial t[2];
    sample_probe(&r, t);
    assert_int_equal(probe_store_save(path, &r, &err), HML_OK);

    /* Another --batch: the same workload to the probe, which varies it. */
    char *other_batch[] = {"--epochs", "1", "--batch", "256"};
    assert_int_equal(doctor_probe_obtain(&ctx, other_batch, 4, NULL, &p, &have, source,
                                         sizeof source, &err),
                     HML_OK);
    assert_true(have);
    assert_int_equal(p.count, 2);
    assert_non_null(strstr(source, "stored probe: "));
    assert_non_null(strstr(source, path));
    probe_result_free(&p);

    char *other_epochs[] = {"--epochs", "2"};
    assert_int_equal(doctor_probe_obtain(&ctx, other_epochs, 2, NULL, &p, &have, source,
                                         sizeof source, &err),
                     HML_OK);
    assert_false(have);

    write_text(path, "{broken");
    assert_int_equal(doctor_probe_obtain(&ctx, args, 4, NULL, &p, &have, source, sizeof source,
                                         &err),
                     HML_OK);
    assert_false(have);
    assert_non_null(strstr(source, "ignoring the stored probe: "));
    assert_non_null(strstr(source, "not a stored probe"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(the_path_depends_on_host_and_workload, setup, teardown),
        cmocka_unit_test_setup_teardown(a_probe_reads_back_as_written, setup, teardown),
        cmocka_unit_test_setup_teardown(files_that_are_not_probes_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(hand_edited_fields_read_as_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(a_check_reads_the_stored_probe_or_notes_why_not, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
