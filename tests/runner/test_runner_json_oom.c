/* The runner's JSON when memory runs out while it is built (cjson_alloc_sweep):
 * the plan and its key, the host, a Slurm run file, a submission and a
 * result line with capture's CPU are an error, never part of a document,
 * and leave nothing allocated. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cjson_alloc.h"
#include "meter/host_json.h"
#include "runner/capture_scan.h"
#include "runner/executor_slurm.h"
#include "runner/plan.h"

/* Every part of a plan's JSON: a name, a cost threshold, arms with a smell,
 * a comparison, environment, arguments and a command of their own. */
static void make_plan(plan *p)
{
    hml_err err;
    plan_init(p);
    char *argv[] = {"prog", "--x", "1"};
    assert_int_equal(plan_set_command(p, 3, argv, &err), HML_OK);
    assert_int_equal(plan_set_name(p, "study", &err), HML_OK);
    assert_int_equal(plan_set_min_cost(p, "time=5%", &err), HML_OK);
    plan_arm *arm;
    assert_int_equal(plan_add_arm(p, "base", &arm, &err), HML_OK);
    assert_int_equal(plan_add_arm(p, "threads", &arm, &err), HML_OK);
    assert_int_equal(plan_arm_add_env_list(arm, "OMP_NUM_THREADS=8 LABEL='two words'", &err),
                     HML_OK);
    assert_int_equal(plan_arm_add_arg_list(arm, "--threads 8", &err), HML_OK);
    assert_int_equal(plan_arm_set_smell(arm, "parallelism", &err), HML_OK);
    assert_int_equal(plan_add_arm(p, "other", &arm, &err), HML_OK);
    char *other[] = {"other-prog", "-v"};
    assert_int_equal(plan_arm_set_argv(arm, 2, other, &err), HML_OK);
    assert_int_equal(plan_arm_set_compare_with(arm, "threads", &err), HML_OK);
    p->runs = 3;
    assert_int_equal(plan_validate(p, &err), HML_OK);
}

static bool plan_json(void *arg)
{
    char *text = plan_to_json(arg);
    cJSON_free(text);
    return text != NULL;
}

static bool plan_key_made(void *arg)
{
    char key[17];
    hml_err err = {0};
    hml_status st = plan_key(arg, key, &err);
    if (st != HML_OK)
        assert_string_equal(err.msg, "out of memory");
    return st == HML_OK;
}

static void the_plan_and_its_key(void **state)
{
    (void)state;
    plan p;
    make_plan(&p);
    cjson_alloc_sweep("plan_to_json", plan_json, &p);
    cjson_alloc_sweep("plan_key", plan_key_made, &p);
    plan_free(&p);
}

static const meter_host host = {.hostname = "node-a", .cpu_model = "Intel(R) Xeon(R) Gold 6430",
                                .cores = 32, .threads = 64, .mem_bytes = 256e9,
                                .gpu_model = "NVIDIA H100", .kernel = "6.1.0",
                                .hmlcost_version = "0.1"};

static bool host_json(void *arg)
{
    cJSON *h = meter_host_json(arg);
    cJSON_Delete(h);
    return h != NULL;
}

typedef struct run_file {
    plan p;
    execute_result r;
} run_file;

static bool run_json(void *arg)
{
    run_file *f = arg;
    char *text = slurm_run_json(&f->p.arms[1], 2, 7, &host, &f->r);
    cJSON_free(text);
    return text != NULL;
}

static void the_host(void **state)
{
    (void)state;
    cjson_alloc_sweep("meter_host_json", host_json, (void *)&host);
}

static void a_run_file(void **state)
{
    (void)state;
    run_file f;
    memset(&f, 0, sizeof f);
    make_plan(&f.p);
    f.r.status = STORE_RUN_FAILED;
    snprintf(f.r.reason, sizeof f.r.reason, "exit status 1");
    snprintf(f.r.started_at, sizeof f.r.started_at, "2026-01-01T00:00:00.000Z");
    snprintf(f.r.meter.notes, sizeof f.r.meter.notes, "no RAPL");
    f.r.result_json = "{\"schema\":1}";
    assert_int_equal(meter_metrics_set(&f.r.meter.metrics, "wall_s", 1.5, "s", "measured"), 0);
    assert_int_equal(meter_metrics_set(&f.r.meter.metrics, "energy_j", NAN, "J", "rapl"), 0);
    meter_sample samples[2] = {{.t_s = 0.1, .rss_bytes = 1e6, .cpu_s = 0.1, .processes = 1,
                                .gpu_mem_bytes = -1, .energy_j = NAN},
                               {.t_s = 0.2, .rss_bytes = 2e6, .cpu_s = 0.2, .processes = 2,
                                .gpu_mem_bytes = -1, .energy_j = 3}};
    f.r.meter.samples = samples;
    f.r.meter.sample_count = 2;
    cjson_alloc_sweep("slurm_run_json", run_json, &f);
    meter_metrics_free(&f.r.meter.metrics);
    plan_free(&f.p);
}

typedef struct submission {
    plan p;
    runner_registration reg;
    char dir[64];
    char file[128];
    char whole[4096]; /* the submission file made with memory enough */
} submission;

/* Submits with no sbatch on PATH: whether it got as far as sbatch. A
 * submission file it wrote is the whole one, whatever failed after. */
static bool submit(void *arg)
{
    submission *s = arg;
    unlink(s->file);
    slurm_options opts = {0};
    char job[64];
    size_t tasks = 0, runs = 0;
    hml_err err = {0};
    hml_status st = slurm_campaign_submit(&s->p, s->dir, &s->reg, &opts, "/bin/hmlcost", NULL, 0,
                                          job, sizeof job, &tasks, &runs, &err);
    assert_int_not_equal(st, HML_OK);
    char text[sizeof s->whole] = "";
    FILE *f = fopen(s->file, "r");
    if (f) {
        size_t n = fread(text, 1, sizeof text - 1, f);
        text[n] = '\0';
        fclose(f);
        if (!s->whole[0])
            memcpy(s->whole, text, sizeof text);
        assert_string_equal(text, s->whole);
    }
    if (strcmp(err.msg, "out of memory") == 0)
        return false;
    assert_non_null(strstr(err.msg, "sbatch"));
    return true;
}

static void a_submission(void **state)
{
    (void)state;
    submission s;
    memset(&s, 0, sizeof s);
    make_plan(&s.p);
    snprintf(s.dir, sizeof s.dir, "/tmp/hmlcost-submit-oom-XXXXXX");
    assert_non_null(mkdtemp(s.dir));
    snprintf(s.file, sizeof s.file, "%s/submit-1.json", s.dir);
    s.reg.arm_count = s.p.arm_count;
    s.reg.runs = s.p.runs;
    s.reg.stored = calloc(s.p.arm_count * (size_t)s.p.runs, 1);
    assert_non_null(s.reg.stored);
    s.reg.stored[1] = 1; /* one run stored: the blocks skip it */
    const char *path = getenv("PATH");
    char *saved = path ? strdup(path) : NULL;
    setenv("PATH", "/nonexistent", 1);
    cjson_alloc_sweep("slurm_campaign_submit", submit, &s);
    if (saved)
        setenv("PATH", saved, 1);
    free(saved);
    free(s.reg.stored);
    plan_free(&s.p);
    char rm[128];
    snprintf(rm, sizeof rm, "rm -rf '%s'", s.dir);
    assert_int_equal(system(rm), 0);
}

static bool own_cpu_added(void *arg)
{
    char *line = strdup(arg);
    assert_non_null(line);
    char *text = capture_scan_add_own_cpu(line, 1.5, 0.25);
    cJSON_free(text);
    return text != NULL;
}

/* capture's own CPU added to the workload's line: the whole line or NULL. */
static void a_result_line_with_captures_cpu(void **state)
{
    (void)state;
    cjson_alloc_sweep("capture_scan_add_own_cpu", own_cpu_added, "{\"accuracy\":0.5}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_plan_and_its_key),
        cmocka_unit_test(the_host),
        cmocka_unit_test(a_run_file),
        cmocka_unit_test(a_submission),
        cmocka_unit_test(a_result_line_with_captures_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
