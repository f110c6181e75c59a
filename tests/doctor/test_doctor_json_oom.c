/* `hmlcost doctor --json` when memory runs out while it builds the JSON: it
 * fails with a message, and frees every part of the document it had built,
 * the stored probe's part too. The allocations are cJSON's
 * (common/cjson_alloc.h); from the Nth on each one fails. Each run checks the
 * environment anew (a fraction of a second), so the sweep covers the
 * document's end: the probe's part, its source and the printing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "common/cjson_alloc.h"
#include "doctor/probe.h"
#include "doctor/probe_store.h"
#include "doctor/report.h"
#include "meter/host.h"

/* cmd_doctor with stdout into out_fd and stderr dropped; *printed: whether
 * it wrote a document. */
static void doctor_json(int out_fd, bool *printed)
{
    char *argv[] = {"doctor", "--json", "--workload", "true", NULL};
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(STDOUT_FILENO), saved_err = dup(STDERR_FILENO);
    int null = open("/dev/null", O_WRONLY);
    assert_true(saved_out >= 0 && saved_err >= 0 && null >= 0);
    off_t before = lseek(out_fd, 0, SEEK_END);
    dup2(out_fd, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    cmd_doctor(4, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, STDOUT_FILENO);
    dup2(saved_err, STDERR_FILENO);
    close(saved_out);
    close(saved_err);
    close(null);
    *printed = lseek(out_fd, 0, SEEK_END) > before;
}

/* A stored probe for this (described) host and `--workload true`, so that
 * the doctor adds it to its JSON. */
static void store_a_probe(void)
{
    host_info h;
    hml_err err;
    assert_int_equal(meter_host_facts(&h, &err), HML_OK);
    probe_result r;
    memset(&r, 0, sizeof r);
    probe_describe_host(&h, r.host, sizeof r.host);
    probe_describe_workload("true", NULL, 0, r.workload, sizeof r.workload);
    snprintf(r.measured_at, sizeof r.measured_at, "2026-01-01T00:00:00.000Z");
    r.seconds = 2;
    r.batch = 64;
    r.threads = 2;
    probe_trial t = {.batch = 64, .threads = 2, .ran = true, .images = 100,
                     .images_per_s = 250, .wall_s = 0.4, .energy_per_image_j = 0.01,
                     .peak_rss_bytes = 1e8, .loss = 1.5};
    snprintf(t.energy_method, sizeof t.energy_method, "estimate:cpu-4W-per-logical-cpu");
    r.trial = &t;
    r.count = 1;
    r.control = t;
    r.noise = 0;
    r.load_before = r.load_after = NAN;
    char path[4096];
    assert_true(probe_store_path(r.host, r.workload, path, sizeof path));
    assert_int_equal(probe_store_save(path, &r, &err), HML_OK);
}

/* How many allocations the stored probe's JSON takes. */
static size_t probe_json_allocations(void)
{
    host_info h;
    hml_err err;
    assert_int_equal(meter_host_facts(&h, &err), HML_OK);
    char host[512], workload[1024], path[4096];
    probe_describe_host(&h, host, sizeof host);
    probe_describe_workload("true", NULL, 0, workload, sizeof workload);
    assert_true(probe_store_path(host, workload, path, sizeof path));
    probe_result r;
    bool found = false;
    assert_int_equal(probe_store_load(path, &r, &found, &err), HML_OK);
    assert_true(found);
    cjson_alloc_count(0);
    cJSON *json = probe_result_json(&r);
    size_t n = cjson_alloc_made();
    cJSON_Delete(json);
    cjson_alloc_stop();
    probe_result_free(&r);
    assert_non_null(json);
    return n;
}

static void out_of_memory_frees_the_partial_document(void **state)
{
    (void)state;
    char cache[] = "/tmp/hmlcost-doctor-oom-XXXXXX";
    assert_non_null(mkdtemp(cache));
    setenv("XDG_CACHE_HOME", cache, 1);
    char host_file[4096];
    snprintf(host_file, sizeof host_file, "%s/hosts/sapphire-rapids-vm.ini",
             HMLCOST_TEST_SOURCE_DIR);
    setenv("HMLCOST_HOST_FILE", host_file, 1);
    store_a_probe();
    size_t probe_part = probe_json_allocations();

    char out_path[] = "/tmp/hmlcost-doctor-oom-out-XXXXXX";
    int out = mkstemp(out_path);
    assert_true(out >= 0);
    unlink(out_path);

    /* Without a failure: a document with the probe, all of it freed but the
     * printed text (freed with free(), which the hooks do not see). */
    bool printed = false;
    cjson_alloc_count(0);
    doctor_json(out, &printed);
    size_t total = cjson_alloc_made();
    long left = cjson_alloc_live();
    cjson_alloc_stop();
    assert_true(printed);
    assert_int_equal(left, 1);
    char doc[1 << 16];
    ssize_t len = pread(out, doc, sizeof doc - 1, 0);
    assert_true(len > 0);
    doc[len] = '\0';
    assert_non_null(strstr(doc, "\"probe\":{"));
    assert_non_null(strstr(doc, "\"source\":\"stored probe: "));

    /* From the probe's JSON to the end: 1 key, 3 for its source, and the
     * printing's buffers. */
    assert_true(total > probe_part + 24);
    for (size_t n = total - probe_part - 24; n <= total; n++) {
        cjson_alloc_count(n);
        doctor_json(out, &printed);
        left = cjson_alloc_live();
        cjson_alloc_stop();
        if (printed) /* past this run's last allocation: nothing failed */
            assert_int_equal(left, 1);
        else if (left != 0)
            fail_msg("allocation %zu of %zu failed: %ld cJSON allocations left unfreed", n,
                     total, left);
    }
    close(out);
    char rm[256];
    snprintf(rm, sizeof rm, "rm -rf '%s'", cache);
    assert_int_equal(system(rm), 0);
}

static bool probe_made(void *arg)
{
    cJSON *j = probe_result_json(arg);
    cJSON_Delete(j);
    return j != NULL;
}

static bool findings_made(void *arg)
{
    cJSON *j = doctor_report_json(arg);
    cJSON_Delete(j);
    return j != NULL;
}

/* The probe's and the findings' parts alone (cjson_alloc_sweep): NULL, never
 * part of them, nothing left allocated. */
static void the_probe_and_the_findings_are_whole_or_null(void **state)
{
    (void)state;
    probe_trial trials[2] = {{.batch = 64, .threads = 2, .ran = true, .images = 100,
                              .images_per_s = 250, .wall_s = 0.4, .energy_per_image_j = 0.01,
                              .peak_rss_bytes = 1e8, .loss = 1.5},
                             {.batch = 128, .threads = 2, .ran = false}};
    snprintf(trials[1].note, sizeof trials[1].note, "out of memory at batch 128");
    probe_result r;
    memset(&r, 0, sizeof r);
    snprintf(r.host, sizeof r.host, "host");
    snprintf(r.workload, sizeof r.workload, "true");
    r.trial = trials;
    r.count = 2;
    r.control = trials[0];
    r.load_before = r.load_after = NAN;
    cjson_alloc_sweep("probe_result_json", probe_made, &r);

    doctor_report report = {0};
    hml_err err;
    assert_int_equal(doctor_report_add(&report, DOCTOR_WARNING, "threads", "too many threads",
                                       "16 on 2 CPUs", "use 2", &err),
                     HML_OK);
    assert_int_equal(doctor_report_add(&report, DOCTOR_INFO, "gpu", "no GPU", NULL, NULL, &err),
                     HML_OK);
    cjson_alloc_sweep("doctor_report_json", findings_made, &report);
    doctor_report_free(&report);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(out_of_memory_frees_the_partial_document),
        cmocka_unit_test(the_probe_and_the_findings_are_whole_or_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
