/* The Slurm executor's campaign directory (runner/executor_slurm.h), without
 * Slurm: the directory of a plan, run files imported into the store once
 * (a broken or foreign one skipped, never half imported; temporaries never
 * read), the runs still missing, the last submission and the tasks that
 * finished. The host is a fake tree. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner/executor_slurm.h"
#include "runner/plan.h"
#include "runner/protocol.h"
#include "store/store.h"

typedef struct fixture {
    char root[64];
    char campaign[4200];
    char db[128];
    plan p;
    store *s;
    runner_registration reg;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    setenv("HMLCOST_HOST_ROOT", HMLCOST_TEST_SOURCE_DIR "/meter/fixtures/vm-host", 1);
    snprintf(f->root, sizeof f->root, "/tmp/hmlcost-slurm-XXXXXX");
    if (!mkdtemp(f->root))
        return -1;
    hml_err err;
    plan_init(&f->p);
    char *argv[] = {"true"};
    plan_arm *arm;
    if (plan_set_command(&f->p, 1, argv, &err) != HML_OK ||
        plan_add_arm(&f->p, "baseline", &arm, &err) != HML_OK ||
        plan_add_arm(&f->p, "smell", &arm, &err) != HML_OK)
        return -1;
    f->p.runs = 3;
    char campaigns[128];
    snprintf(campaigns, sizeof campaigns, "%s/campaigns", f->root);
    if (slurm_campaign_dir(&f->p, campaigns, f->campaign, sizeof f->campaign, &err) != HML_OK)
        return -1;
    snprintf(f->db, sizeof f->db, "%s/runs.db", f->root);
    if (store_open(&f->s, f->db, STORE_READ_WRITE, &err) != HML_OK ||
        runner_register_plan(&f->p, f->s, &f->reg, &err) != HML_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    runner_registration_free(&f->reg);
    store_close(f->s);
    plan_free(&f->p);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->root);
    int rc = system(cmd);
    free(f);
    unsetenv("HMLCOST_HOST_ROOT");
    return rc == 0 ? 0 : -1;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fputs(text, out);
    fclose(out);
}

/* A finished run as a task writes it: arm, index, status, host, metrics,
 * samples as [t_s, rss_bytes, cpu_s, processes, gpu_mem_bytes, energy_j]. */
static void write_run(const fixture *f, const char *arm, long index, double wall_s)
{
    char name[64], text[1024];
    snprintf(name, sizeof name, "%s@%ld.json", arm, index);
    snprintf(text, sizeof text,
             "{\"arm\":\"%s\",\"index\":%ld,\"position\":%ld,\"started_at\":"
             "\"2026-01-01T00:00:00.000Z\",\"status\":\"ok\",\"host\":{\"hostname\":\"node-7\","
             "\"cpu_model\":\"Made-up CPU\",\"cores\":8,\"threads\":16,\"mem_bytes\":1e10},"
             "\"metrics\":[{\"name\":\"wall_s\",\"value\":%g,\"unit\":\"s\",\"method\":"
             "\"measured\"}],\"samples\":[[0.1,1000,0.05,1,null,null]]}",
             arm, index, 2 * index, wall_s);
    char runs[4300];
    snprintf(runs, sizeof runs, "%s/runs", f->campaign);
    write_file(runs, name, text);
}

static void the_campaign_directory_is_made_per_plan(void **state)
{
    fixture *f = *state;
    char key[17];
    hml_err err;
    assert_int_equal(plan_key(&f->p, key, &err), HML_OK);
    char expected[256];
    snprintf(expected, sizeof expected, "%s/campaigns/%s", f->root, key);
    assert_string_equal(f->campaign, expected);
    const char *subdirs[] = {"runs", "done", "logs"};
    for (int i = 0; i < 3; i++) {
        char path[4300];
        snprintf(path, sizeof path, "%s/%s", f->campaign, subdirs[i]);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
    }
    /* Asked again: the same directory, nothing lost. */
    write_run(f, "baseline", 0, 1.0);
    char again[4200];
    char campaigns[128];
    snprintf(campaigns, sizeof campaigns, "%s/campaigns", f->root);
    assert_int_equal(slurm_campaign_dir(&f->p, campaigns, again, sizeof again, &err), HML_OK);
    assert_string_equal(again, f->campaign);
    char run[4400];
    snprintf(run, sizeof run, "%s/runs/baseline@0.json", f->campaign);
    assert_int_equal(access(run, F_OK), 0);
}

static void run_files_are_imported_once(void **state)
{
    fixture *f = *state;
    assert_int_equal(slurm_campaign_missing(&f->reg), 6);
    write_run(f, "baseline", 0, 1.0);
    write_run(f, "smell", 2, 1.4);
    char runs[4300];
    snprintf(runs, sizeof runs, "%s/runs", f->campaign);
    write_file(runs, "smell@1.json", "{\"arm\":\"smell\",\"index\":1,\"status\":\"ok\""); /* cut */
    write_file(runs, "other@0.json", "{\"arm\":\"other\",\"index\":0,\"status\":\"ok\","
                                     "\"host\":{},\"metrics\":[]}");
    write_file(runs, "smell@9.json", "{\"arm\":\"smell\",\"index\":9,\"status\":\"ok\","
                                     "\"host\":{},\"metrics\":[]}"); /* beyond the plan's runs */
    write_file(runs, "smell@0.json.tmp.123", "{\"arm\":\"smell\"}");

    size_t imported = 0, skipped = 0;
    hml_err err;
    assert_int_equal(slurm_campaign_import(&f->p, f->s, f->campaign, &f->reg, &imported,
                                           &skipped, &err),
                     HML_OK);
    assert_int_equal(imported, 2);
    assert_int_equal(skipped, 3);
    assert_int_equal(slurm_campaign_missing(&f->reg), 4);
    bool stored = false;
    assert_int_equal(store_has_run(f->s, f->reg.arm_ids[1], 2, &stored, &err), HML_OK);
    assert_true(stored);
    assert_int_equal(store_has_run(f->s, f->reg.arm_ids[1], 1, &stored, &err), HML_OK);
    assert_false(stored);

    /* Imported again (a later `hmlcost run`): nothing twice. */
    assert_int_equal(slurm_campaign_import(&f->p, f->s, f->campaign, &f->reg, &imported,
                                           &skipped, &err),
                     HML_OK);
    assert_int_equal(imported, 0);
    assert_int_equal(slurm_campaign_missing(&f->reg), 4);
    long *indices = NULL;
    size_t count = 0;
    assert_int_equal(store_arm_run_indices(f->s, f->reg.arm_ids[0], &indices, &count, &err),
                     HML_OK);
    assert_int_equal(count, 1);
    assert_int_equal(indices[0], 0);
    free(indices);
}

static void the_last_job_and_the_finished_tasks_are_read(void **state)
{
    fixture *f = *state;
    char job[64] = "x";
    long number = -1;
    hml_err err;
    assert_int_equal(slurm_campaign_last_job(f->campaign, job, sizeof job, &number, &err),
                     HML_OK);
    assert_string_equal(job, ""); /* none submitted yet */
    assert_int_equal(number, 0);
    write_file(f->campaign, "job", "4242 3\n");
    assert_int_equal(slurm_campaign_last_job(f->campaign, job, sizeof job, &number, &err),
                     HML_OK);
    assert_string_equal(job, "4242");
    assert_int_equal(number, 3);
    write_file(f->campaign, "job", "garbage\n");
    assert_int_equal(slurm_campaign_last_job(f->campaign, job, sizeof job, &number, &err),
                     HML_OK);
    assert_string_equal(job, "");

    char done[4300];
    snprintf(done, sizeof done, "%s/done", f->campaign);
    write_file(done, "3.0", "");
    write_file(done, "3.5", "");
    write_file(done, "2.1", "");   /* another submission */
    write_file(done, "3.7x", "");  /* not a task's mark */
    long *tasks = NULL;
    size_t count = 0;
    assert_int_equal(slurm_campaign_done_tasks(f->campaign, 3, &tasks, &count, &err), HML_OK);
    assert_int_equal(count, 2);
    long sum = 0;
    for (size_t i = 0; i < count; i++)
        sum += tasks[i];
    assert_int_equal(sum, 5);
    free(tasks);
    assert_int_equal(slurm_campaign_done_tasks("/nonexistent-hmlcost", 3, &tasks, &count, &err),
                     HML_ESYSTEM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(the_campaign_directory_is_made_per_plan, setup, teardown),
        cmocka_unit_test_setup_teardown(run_files_are_imported_once, setup, teardown),
        cmocka_unit_test_setup_teardown(the_last_job_and_the_finished_tasks_are_read, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
