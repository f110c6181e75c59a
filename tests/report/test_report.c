/* From a dataset to verdicts and reports: the constructed study in
 * fixtures/study.csv (built by make_fixtures.py so that each smell has one
 * known verdict), the CSV round trip, CodeCarbon input, baseline pairing, and
 * what each output format must contain. */
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

#include "report/analysis.h"
#include "report/format.h"
#include "report/load_csv.h"

#define FIXTURES HMLCOST_TEST_SOURCE_DIR "/report/fixtures/"

static const report_smell_result *smell(const report_analysis *a, const char *arm)
{
    for (size_t i = 0; i < a->n_smells; i++)
        if (strcmp(a->data->arms[a->smells[i].arm].name, arm) == 0)
            return &a->smells[i];
    fail_msg("no smell arm %s", arm);
    return NULL;
}

static bool has_warning(const report_analysis *a, const char *id, const char *text)
{
    for (size_t i = 0; i < a->n_warnings; i++)
        if (strcmp(a->warnings[i].id, id) == 0 && (!text || strstr(a->warnings[i].text, text)))
            return true;
    return false;
}

/* Not inlined: inlined, GCC 12 takes the returned text for a pointer to the
 * local `buf` itself (-Wdangling-pointer) once a test keeps a pointer into it. */
__attribute__((noinline)) static char *render(const report_analysis *a, report_format f,
                                              bool color)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    report_render_options o = {.color = color};
    hml_err err;
    assert_int_equal(report_render(out, f, a, &o, &err), HML_OK);
    fclose(out);
    return buf;
}

static void load_study(report_dataset *d, report_analysis *a)
{
    hml_err err;
    assert_int_equal(report_load_csv(FIXTURES "study.csv", NULL, d, &err), HML_OK);
    assert_int_equal(report_analyze(d, NULL, a, &err), HML_OK);
}

static void constructed_study_gets_its_four_verdicts(void **state)
{
    (void)state;
    report_dataset d;
    report_analysis a;
    load_study(&d, &a);
    assert_int_equal(d.n_arms, 5);
    assert_int_equal(a.n_smells, 4);
    const report_smell_result *s = smell(&a, "model-reuse");
    assert_int_equal(s->verdict, STATS_VERDICT_HIDDEN_COST);
    /* the evidence names the metric, the change, the threshold, Holm's p and accuracy */
    assert_non_null(strstr(s->evidence, "energy and CO2 ["));
    assert_non_null(strstr(s->evidence, "], above the 2 % of interest (p "));
    assert_non_null(strstr(s->evidence, ", Holm)"));
    assert_string_equal(a.min_cost_source, "default");
    for (size_t i = 0; i < a.n_smells; i++) /* each verdict carries its stability */
        assert_true(a.smells[i].stability >= 0 && a.smells[i].stability <= 1);
    assert_true(s->stability >= REPORT_STABLE_SHARE);
    assert_false(s->unstable);
    assert_non_null(strstr(s->evidence, "equivalent within 1 pp"));
    assert_true(s->tost.equivalent);
    assert_int_equal(smell(&a, "minibatch")->verdict, STATS_VERDICT_VISIBLE);
    assert_non_null(strstr(smell(&a, "minibatch")->evidence, "not equivalent within 1 pp"));
    assert_int_equal(smell(&a, "libpath")->verdict, STATS_VERDICT_NO_COST);
    assert_int_equal(smell(&a, "parallelism")->verdict, STATS_VERDICT_INCONCLUSIVE);
    assert_int_equal(smell(&a, "parallelism")->reason, STATS_REASON_TOO_FEW_RUNS);
    /* 4 smells x 4 cost metrics (wall, CPU, peak RSS, energy; no GPU here) */
    assert_int_equal(a.family_size, 16);
    assert_true(has_warning(&a, "failed-runs", "parallelism: 7 of 10 runs"));
    assert_true(has_warning(&a, "too-few-runs", "parallelism"));
    assert_true(has_warning(&a, "energy-estimated", "estimate:ram-0.375W-per-GiB"));
    assert_true(a.energy_estimated);
    /* per-arm figures: baseline wall time from the file's 10 values */
    int wall = report_analysis_metric(&a, "wall_s");
    assert_true(wall >= 0);
    assert_int_equal(a.arms[0].cells[wall].s.n, 10);
    assert_int_equal(a.arms[4].ok, 3);
    assert_int_equal(a.arms[4].failed, 7);
    report_analysis_free(&a);
    report_dataset_free(&d);
}

static void csv_round_trip_gives_the_same_verdicts(void **state)
{
    (void)state;
    report_dataset d, back;
    report_analysis a, b;
    load_study(&d, &a);
    char *csv = render(&a, REPORT_FORMAT_CSV, false);
    char path[] = "/tmp/hmlcost-roundtrip-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, csv, strlen(csv)), (ssize_t)strlen(csv));
    close(fd);
    hml_err err;
    assert_int_equal(report_load_csv(path, NULL, &back, &err), HML_OK);
    assert_int_equal(report_analyze(&back, NULL, &b, &err), HML_OK);
    unlink(path);
    assert_int_equal(b.n_smells, a.n_smells);
    assert_int_equal(b.family_size, a.family_size);
    for (size_t i = 0; i < a.n_smells; i++) {
        assert_int_equal(b.smells[i].verdict, a.smells[i].verdict);
        assert_string_equal(b.smells[i].evidence, a.smells[i].evidence);
    }
    assert_string_equal(b.energy_methods, a.energy_methods);
    /* every stored figure comes back (kWh and kg conversions within 1e-12) */
    for (size_t i = 0; i < d.n_arms; i++)
        for (size_t r = 0; r < d.arms[i].n_runs; r++) {
            const report_run *x = &d.arms[i].runs[r], *y = &back.arms[i].runs[r];
            assert_string_equal(x->status, y->status);
            assert_int_equal(x->order, y->order);
            for (size_t m = 0; m < x->n_metrics; m++) {
                const report_metric *mx = &x->metrics[m];
                const report_metric *my = report_run_metric(y, mx->name);
                assert_non_null(my);
                assert_string_equal(mx->unit, my->unit);
                assert_true(fabs(mx->value - my->value) <= 1e-12 * fabs(mx->value));
            }
        }
    free(csv);
    report_analysis_free(&a);
    report_analysis_free(&b);
    report_dataset_free(&d);
    report_dataset_free(&back);
}

static void codecarbon_csv_with_arm_column(void **state)
{
    (void)state;
    report_dataset d;
    report_analysis a;
    hml_err err;
    report_csv_options o = {.arm_column = "project_name", .baseline = "baseline"};
    assert_int_equal(report_load_csv(FIXTURES "codecarbon.csv", &o, &d, &err), HML_OK);
    assert_int_equal(d.n_arms, 5);
    assert_true(d.arms[0].is_baseline);
    assert_string_equal(d.arms[1].smell, "model-reuse");
    assert_string_equal(d.arms[1].baseline, "baseline");
    /* kWh -> J, kg -> g; CodeCarbon's method is not recorded, so it says so */
    const report_metric *cpu = report_run_metric(&d.arms[0].runs[0], "energy_cpu_j");
    assert_non_null(cpu);
    assert_true(fabs(cpu->value - 2.265757e-04 * 3.6e6) < 1e-6);
    assert_string_equal(cpu->method, "codecarbon");
    const report_metric *co2 = report_run_metric(&d.arms[0].runs[0], "co2_g");
    assert_true(fabs(co2->value - 1.119978e-04 * 1000) < 1e-12);
    assert_int_equal(report_analyze(&d, NULL, &a, &err), HML_OK);
    /* no accuracy column: a cost, but whether it is hidden cannot be said */
    assert_int_equal(smell(&a, "model-reuse")->verdict, STATS_VERDICT_INCONCLUSIVE);
    assert_int_equal(smell(&a, "model-reuse")->reason, STATS_REASON_NO_ACCURACY);
    assert_int_equal(smell(&a, "libpath")->verdict, STATS_VERDICT_NO_COST);
    assert_true(has_warning(&a, "energy-method-unknown", NULL));
    report_analysis_free(&a);
    report_dataset_free(&d);
}

static void csv_input_errors_name_the_problem(void **state)
{
    (void)state;
    report_dataset d;
    hml_err err;
    report_csv_options arm = {.arm_column = "nope"};
    assert_int_equal(report_load_csv(FIXTURES "codecarbon.csv", &arm, &d, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "--arm-column: no column 'nope'"));
    assert_int_equal(report_load_csv(FIXTURES "codecarbon.csv", NULL, &d, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "no 'arm' column"));
    report_csv_options base = {.arm_column = "project_name", .baseline = "nope"};
    assert_int_equal(report_load_csv(FIXTURES "codecarbon.csv", &base, &d, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "--baseline: no arm 'nope'"));
    report_csv_options nobase = {.arm_column = "project_name"};
    assert_int_equal(report_load_csv(FIXTURES "codecarbon.csv", &nobase, &d, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "which arm is the baseline?"));
    assert_int_equal(report_load_csv(FIXTURES "bad_number.csv", NULL, &d, &err), HML_EUSAGE);
    assert_string_equal(err.msg, FIXTURES "bad_number.csv line 3: column duration: 'fast' is "
                                          "not a number");
    assert_int_equal(report_load_csv(FIXTURES "header_only.csv", NULL, &d, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "no runs"));
}

/* A dataset built in code: arms, runs with metrics and a time series. */
static report_arm *arm_with(report_dataset *d, const char *name, bool baseline, const char *smell,
                            const double *wall, const double *acc, size_t n)
{
    report_arm *arm = report_dataset_add_arm(d, name);
    assert_non_null(arm);
    arm->is_baseline = baseline;
    snprintf(arm->smell, sizeof arm->smell, "%s", smell);
    hml_err err;
    for (size_t i = 0; i < n; i++) {
        report_run *run = report_arm_add_run(arm);
        assert_non_null(run);
        snprintf(run->id, sizeof run->id, "%s-%zu", name, i);
        run->order = (long)i;
        assert_int_equal(report_run_set_metric(run, "wall_s", wall[i], "s", "measured", &err),
                         HML_OK);
        assert_int_equal(report_run_set_metric(run, "accuracy", acc[i], "1", "workload", &err),
                         HML_OK);
        assert_int_equal(report_run_set_metric(run, "energy_cpu_j", 10 * wall[i], "J",
                                               "estimate:cpu-4W-per-logical-cpu", &err),
                         HML_OK);
        double t[] = {0, 0.5, 1.0, 1.5}, rss[] = {0, 200e6, 250e6, 240e6};
        assert_int_equal(report_run_add_series(run, "rss_bytes", "B", t, rss, 4, &err), HML_OK);
    }
    return arm;
}

/* CPU time accounted by a cgroup in one arm and sampled from /proc in the
 * other: the report names both methods and warns; the same method, no warning. */
static void arms_measured_by_different_methods_are_flagged(void **state)
{
    (void)state;
    const double wall[] = {10.0, 10.1, 9.9, 10.2, 10.0, 9.8};
    const double acc[] = {0.7, 0.7, 0.7, 0.7, 0.7, 0.7};
    const char *smell_method[] = {"cgroup-v1", "procfs-sampled"};
    for (int same = 0; same < 2; same++) {
        report_dataset d = {0};
        arm_with(&d, "baseline", true, "", wall, acc, 6);
        arm_with(&d, "threads", false, "parallelism", wall, acc, 6);
        hml_err err;
        for (int k = 0; k < 2; k++) /* d.arms: adding an arm may move them */
            for (size_t i = 0; i < d.arms[k].n_runs; i++)
                assert_int_equal(report_run_set_metric(&d.arms[k].runs[i], "cpu_s", 5.0 + k, "s",
                                                       k == 0 ? "procfs-sampled"
                                                              : smell_method[same],
                                                       &err),
                                 HML_OK);
        assert_int_equal(report_dataset_pair(&d, &err), HML_OK);
        report_analysis a;
        assert_int_equal(report_analyze(&d, NULL, &a, &err), HML_OK);
        if (same) {
            assert_false(has_warning(&a, "method-mismatch", ""));
            assert_string_equal(a.resource_methods, "procfs-sampled");
        } else {
            assert_true(has_warning(&a, "method-mismatch",
                                    "threads vs baseline: measured by different methods"));
            assert_true(has_warning(&a, "method-mismatch", "cgroup-v1 vs procfs-sampled"));
            char *text = render(&a, REPORT_FORMAT_TEXT, false);
            assert_non_null(strstr(text, "cpu and memory method: "));
            free(text);
        }
        report_analysis_free(&a);
        report_dataset_free(&d);
    }
}

static void pairing_per_smell_baselines_and_identical_accuracy(void **state)
{
    (void)state;
    report_dataset d = {0};
    const double base_wall[] = {10.0, 10.1, 9.9, 10.2, 10.0, 9.8};
    const double slow_wall[] = {12.0, 12.1, 11.9, 12.2, 12.0, 11.8};
    const double acc[] = {0.7, 0.7, 0.7, 0.7, 0.7, 0.7}; /* deterministic training */
    arm_with(&d, "baseline-minibatch", true, "", base_wall, acc, 6);
    arm_with(&d, "minibatch", false, "minibatch", slow_wall, acc, 6);
    arm_with(&d, "baseline-libpath", true, "", base_wall, acc, 6);
    arm_with(&d, "libpath", false, "libpath", base_wall, acc, 6);
    hml_err err;
    assert_int_equal(report_dataset_pair(&d, &err), HML_OK);
    assert_int_equal(d.arms[1].baseline_index, 0);
    assert_int_equal(d.arms[3].baseline_index, 2);
    report_analysis a;
    assert_int_equal(report_analyze(&d, NULL, &a, &err), HML_OK);
    /* same accuracy in every run: the difference is exactly 0, so equivalent */
    assert_int_equal(smell(&a, "minibatch")->verdict, STATS_VERDICT_HIDDEN_COST);
    assert_int_equal(smell(&a, "libpath")->verdict, STATS_VERDICT_NO_COST);
    /* the HTML draws the first smell arm's run over time */
    char *html = render(&a, REPORT_FORMAT_HTML, false);
    assert_non_null(strstr(html, "id=\"ts-rss_bytes\""));
    assert_non_null(strstr(html, "Run minibatch-0 of arm minibatch"));
    assert_null(strstr(html, "<script"));
    /* no energy in its samples: no power series, and the page says why */
    assert_null(strstr(html, "id=\"ts-power_w\""));
    assert_non_null(strstr(html, "power over time is not sampled"));
    free(html);
    report_analysis_free(&a);
    report_dataset_free(&d);

    /* no baseline at all, or a baseline that is not in the data */
    report_dataset e = {0};
    arm_with(&e, "x", false, "minibatch", base_wall, acc, 3);
    assert_int_equal(report_dataset_pair(&e, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "no baseline arm"));
    e.arms[0].is_baseline = true;
    assert_int_equal(report_dataset_pair(&e, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "nothing to compare"));
    report_arm *y = arm_with(&e, "y", false, "libpath", base_wall, acc, 3);
    snprintf(y->baseline, sizeof y->baseline, "ghost");
    assert_int_equal(report_dataset_pair(&e, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "its baseline 'ghost' is not in the data"));
    report_dataset_free(&e);
}

/* model-reuse has two faces, freed and kept: every format says what each
 * arm measures, in the smell catalogue's words, so that a NO COST for the
 * freed face is not read as "model reuse costs nothing". An arm of another
 * name, or one whose stored smell is not the catalogue's, gets no text. */
static void formats_explain_what_each_smell_arm_measures(void **state)
{
    (void)state;
    report_dataset d = {0};
    const double wall[] = {10.0, 10.1, 9.9, 10.2, 10.0, 9.8};
    const double acc[] = {0.7, 0.7, 0.7, 0.7, 0.7, 0.7};
    arm_with(&d, "baseline", true, "", wall, acc, 6);
    arm_with(&d, "model-reuse", false, "model-reuse", wall, acc, 6);
    arm_with(&d, "model-reuse-kept", false, "model-reuse", wall, acc, 6);
    arm_with(&d, "my-arm", false, "model-reuse", wall, acc, 6);
    arm_with(&d, "minibatch", false, "libpath", wall, acc, 6);
    hml_err err;
    assert_int_equal(report_dataset_pair(&d, &err), HML_OK);
    report_analysis a;
    assert_int_equal(report_analyze(&d, NULL, &a, &err), HML_OK);

    char *text = render(&a, REPORT_FORMAT_TEXT, false);
    const char *section = strstr(text, "What the smell arms measure");
    assert_non_null(section);
    assert_non_null(strstr(section, "  model-reuse: the freed face:"));
    assert_non_null(strstr(section, "  model-reuse-kept: the kept face:"));
    assert_null(strstr(section, "  my-arm:"));
    assert_null(strstr(section, "  minibatch:"));
    /* wrapped: no line of the section is longer than 96 columns */
    const char *end = strstr(section, "\n\n");
    assert_non_null(end);
    for (const char *line = section; line < end;) {
        const char *nl = strchr(line, '\n');
        assert_true(nl - line <= 96);
        line = nl + 1;
    }
    /* both faces' sentences say what separates them */
    assert_non_null(strstr(section, "clear_session()"));
    free(text);

    char *md = render(&a, REPORT_FORMAT_MARKDOWN, false);
    assert_non_null(strstr(md, "## What the smell arms measure\n\n- **model-reuse**: the freed "
                               "face:"));
    assert_non_null(strstr(md, "- **model-reuse-kept**: the kept face:"));
    assert_null(strstr(md, "- **my-arm**"));
    free(md);

    char *html = render(&a, REPORT_FORMAT_HTML, false);
    assert_non_null(strstr(html, "<li><b>model-reuse</b>: the freed face:"));
    assert_non_null(strstr(html, "<li><b>model-reuse-kept</b>: the kept face:"));
    free(html);

    char *json = render(&a, REPORT_FORMAT_JSON, false);
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    cJSON *smells = cJSON_GetObjectItem(root, "smells");
    assert_int_equal(cJSON_GetArraySize(smells), 4);
    assert_non_null(strstr(cJSON_GetObjectItem(cJSON_GetArrayItem(smells, 1), "measures")->valuestring,
                           "the kept face"));
    assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(smells, 2), "measures"));
    assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(smells, 3), "measures"));
    cJSON_Delete(root);
    free(json);
    report_analysis_free(&a);
    report_dataset_free(&d);

    /* Without such arms there is no section. */
    report_dataset e = {0};
    arm_with(&e, "baseline", true, "", wall, acc, 6);
    arm_with(&e, "my-arm", false, "", wall, acc, 6);
    assert_int_equal(report_dataset_pair(&e, &err), HML_OK);
    assert_int_equal(report_analyze(&e, NULL, &a, &err), HML_OK);
    text = render(&a, REPORT_FORMAT_TEXT, false);
    assert_null(strstr(text, "What the smell arms measure"));
    free(text);
    report_analysis_free(&a);
    report_dataset_free(&e);
}

/* A first run much slower than the rest: cold caches when nothing warmed
 * them up; after warm-up runs the advice is not "use --warmup 1" again. */
static void first_run_warning_knows_the_warm_up(void **state)
{
    (void)state;
    const double wall[] = {30.0, 10.1, 9.9, 10.2, 10.0, 9.8};
    const double acc[] = {0.7, 0.7, 0.7, 0.7, 0.7, 0.7};
    for (long warmup = 0; warmup <= 2; warmup += 2) {
        report_dataset d = {0};
        d.warmup_runs = warmup;
        arm_with(&d, "baseline", true, "", wall, acc, 6);
        arm_with(&d, "libpath", false, "libpath", wall, acc, 6);
        hml_err err;
        assert_int_equal(report_dataset_pair(&d, &err), HML_OK);
        report_analysis a;
        assert_int_equal(report_analyze(&d, NULL, &a, &err), HML_OK);
        assert_true(has_warning(&a, "first-run", "baseline: the first run was much slower"));
        assert_int_equal(has_warning(&a, "first-run", "caches were cold; use --warmup 1"),
                         warmup == 0);
        assert_int_equal(has_warning(&a, "first-run", "even after 2 warm-up runs"), warmup == 2);
        report_analysis_free(&a);
        report_dataset_free(&d);
    }
}

/* Runs whose fitness readings say the machine was busy, swapping or
 * throttled are named in a warning; the readings are not report columns;
 * the CPU estimate's band is shown beside the CPU energy. */
static void unfit_runs_are_named_and_the_energy_band_shown(void **state)
{
    (void)state;
    const double wall[] = {10.0, 10.1, 9.9, 10.2, 10.0, 9.8};
    const double acc[] = {0.7, 0.7, 0.7, 0.7, 0.7, 0.7};
    report_dataset d = {0};
    arm_with(&d, "baseline", true, "", wall, acc, 6);
    arm_with(&d, "libpath", false, "libpath", wall, acc, 6);
    hml_err err;
    report_arm *arms[] = {&d.arms[0], &d.arms[1]}; /* after both: adding an arm moves them */
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < 6; i++) {
            report_run *run = &arms[k]->runs[i];
            /* 2 CPUs; the run uses 1.5 of them. Others: 0.05 CPU, except
             * baseline #baseline-2 (0.4: busy) and libpath #libpath-4 (0.45). */
            double others = (k == 0 && i == 2) ? 0.4 : (k == 1 && i == 4) ? 0.45 : 0.05;
            double metrics[][2] = {{0, 1.5 * wall[i]}, {1, 2}, {2, others},
                                   {3, k == 1 && i == 1 ? 300 : 0}, {4, 0},
                                   {5, 9 * wall[i]}, {6, 12 * wall[i]}};
            const char *names[] = {"cpu_s", "fitness_cpus", "fitness_other_cpu",
                                   "fitness_swap_pages", "fitness_throttle_events",
                                   "energy_cpu_low_j", "energy_cpu_high_j"};
            for (size_t m = 0; m < 7; m++)
                assert_int_equal(report_run_set_metric(run, names[m], metrics[m][1], "1",
                                                       "proc:stat", &err),
                                 HML_OK);
        }
    assert_int_equal(report_dataset_pair(&d, &err), HML_OK);
    report_analysis a;
    assert_int_equal(report_analyze(&d, NULL, &a, &err), HML_OK);
    assert_true(has_warning(&a, "busy-machine", "baseline #baseline-2, libpath #libpath-4;"));
    assert_false(has_warning(&a, "busy-machine", "baseline #baseline-1"));
    assert_true(has_warning(&a, "swapping", ": libpath #libpath-1;"));
    assert_false(has_warning(&a, "throttled", ""));
    assert_true(report_analysis_metric(&a, "fitness_other_cpu") < 0);
    assert_true(report_analysis_metric(&a, "energy_cpu_low_j") >= 0);
    char *text = render(&a, REPORT_FORMAT_TEXT, false);
    assert_non_null(strstr(text, "CPU energy low"));
    assert_non_null(strstr(text, "CPU energy high"));
    free(text);
    report_analysis_free(&a);
    report_dataset_free(&d);
}

/* A run whose samples carry the energy so far: power is the energy between
 * consecutive samples over the time between them (a pair without time
 * between is skipped), drawn next to memory and captioned with the method. */
static void sample_energy_becomes_power_over_time(void **state)
{
    (void)state;
    report_dataset d = {0};
    const double wall[] = {10.0, 10.1, 9.9, 10.2};
    const double acc[] = {0.7, 0.7, 0.7, 0.7};
    arm_with(&d, "baseline", true, "", wall, acc, 4);
    report_arm *smelly = arm_with(&d, "minibatch", false, "minibatch", wall, acc, 4);
    hml_err err;
    const double t[] = {0, 0.5, 0.5, 1.0, 1.5}, joules[] = {0, 10, 11, 20, 50};
    assert_int_equal(report_run_add_series(&smelly->runs[0], "energy_j", "J", t, joules, 5, &err),
                     HML_OK);
    double *rt = NULL, *rv = NULL;
    size_t n = 0;
    assert_int_equal(report_series_rate(report_run_series(&smelly->runs[0], "energy_j"), &rt, &rv,
                                        &n, &err),
                     HML_OK);
    assert_int_equal(n, 3);
    const double want_t[] = {0.5, 1.0, 1.5}, want_w[] = {20, 18, 60};
    for (size_t i = 0; i < n; i++) {
        assert_true(rt[i] == want_t[i]);
        assert_true(fabs(rv[i] - want_w[i]) < 1e-12);
    }
    free(rt);
    free(rv);
    assert_int_equal(report_dataset_pair(&d, &err), HML_OK);
    report_analysis a;
    assert_int_equal(report_analyze(&d, NULL, &a, &err), HML_OK);
    char *html = render(&a, REPORT_FORMAT_HTML, false);
    assert_non_null(strstr(html, "Run minibatch-0 of arm minibatch"));
    assert_non_null(strstr(html, "id=\"ts-rss_bytes\""));
    assert_non_null(strstr(html, "id=\"ts-power_w\""));
    assert_non_null(strstr(html, "power (W), 3 intervals between samples; energy method: "
                                 "estimate:cpu-4W-per-logical-cpu (estimated, not measured)."));
    assert_null(strstr(html, "power over time is not sampled"));
    free(html);
    report_analysis_free(&a);
    report_dataset_free(&d);
}

static void formats_carry_verdicts_methods_and_colour_only_when_asked(void **state)
{
    (void)state;
    report_dataset d;
    report_analysis a;
    load_study(&d, &a);
    char *text = render(&a, REPORT_FORMAT_TEXT, false);
    assert_non_null(strstr(text, "HIDDEN COST"));
    assert_non_null(strstr(text, "ESTIMATED"));
    assert_null(strchr(text, '\033'));
    free(text);
    text = render(&a, REPORT_FORMAT_TEXT, true);
    assert_non_null(strstr(text, "\033[1;31mHIDDEN COST"));
    free(text);

    char *md = render(&a, REPORT_FORMAT_MARKDOWN, false);
    assert_non_null(strstr(md, "| smell | baseline | verdict | stability | evidence |"));
    assert_non_null(strstr(md, "| model-reuse | baseline | **HIDDEN COST** | "));
    assert_non_null(strstr(md, " % of resamples |"));
    assert_non_null(strstr(md, "**estimated**"));
    free(md);

    char *json = render(&a, REPORT_FORMAT_JSON, false);
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    cJSON *smells = cJSON_GetObjectItem(root, "smells");
    assert_int_equal(cJSON_GetArraySize(smells), 4);
    cJSON *first = cJSON_GetArrayItem(smells, 0);
    assert_string_equal(cJSON_GetObjectItem(first, "verdict")->valuestring, "hidden_cost");
    double stability = cJSON_GetNumberValue(cJSON_GetObjectItem(first, "stability"));
    assert_true(stability >= 0.8 && stability <= 1);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(first, "unstable")));
    cJSON *min_cost = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "method"), "min_cost");
    assert_true(cJSON_GetNumberValue(cJSON_GetObjectItem(min_cost, "memory")) == 0.02);
    assert_string_equal(cJSON_GetObjectItem(min_cost, "source")->valuestring, "default");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "energy"),
                                                 "estimated")));
    cJSON *arms = cJSON_GetObjectItem(root, "arms");
    cJSON *energy = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetArrayItem(arms, 0), "metrics"), "energy_cpu_j");
    assert_string_equal(cJSON_GetObjectItem(energy, "method")->valuestring, "rapl");
    cJSON_Delete(root);
    free(json);

    char *html = render(&a, REPORT_FORMAT_HTML, false);
    assert_non_null(strstr(html, "<!DOCTYPE html>"));
    assert_non_null(strstr(html, "Part of the energy is estimated"));
    assert_non_null(strstr(html, "No time series in this input"));
    assert_non_null(strstr(html, "<td class=\"stability\">"));
    assert_non_null(strstr(html, "smallest cost of interest (time 2 %, memory 2 %, energy 2 % "
                                 "(default)"));
    free(html);

    /* CSV: every run of a smell arm carries its arm's verdict and stability */
    char *csv = render(&a, REPORT_FORMAT_CSV, false);
    assert_non_null(strstr(csv, ",verdict,verdict_stability,verdict_nodes\n"));
    assert_non_null(strstr(csv, ",hidden_cost,"));
    free(csv);

    /* --run names a run that is not there: an error before any output */
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    report_render_options o = {.run = "nope"};
    hml_err err;
    assert_int_equal(report_render(out, REPORT_FORMAT_HTML, &a, &o, &err), HML_EUSAGE);
    fclose(out);
    assert_int_equal(len, 0);
    free(buf);
    report_analysis_free(&a);
    report_dataset_free(&d);
}

/* The smallest cost of interest: the default, the plan's, the user's on
 * top of the plan's. model-reuse costs +15 % time and energy and +40 %
 * memory: a 50 % threshold makes that no cost worth reporting. */
static void the_smallest_cost_of_interest_comes_from_plan_or_user(void **state)
{
    (void)state;
    report_dataset d;
    report_analysis a;
    hml_err err;
    assert_int_equal(report_load_csv(FIXTURES "study.csv", NULL, &d, &err), HML_OK);
    report_options o;
    report_options_default(&o);
    o.min_cost = "50%";
    assert_int_equal(report_analyze(&d, &o, &a, &err), HML_OK);
    assert_string_equal(a.min_cost_source, "command line");
    const report_smell_result *s = smell(&a, "model-reuse");
    assert_int_equal(s->verdict, STATS_VERDICT_NO_COST);
    assert_non_null(strstr(s->evidence, "is below the 50 % of interest"));
    report_analysis_free(&a);

    /* the plan's setting, then a user's override of one family on top */
    snprintf(d.min_cost, sizeof d.min_cost, "50%%");
    assert_int_equal(report_analyze(&d, NULL, &a, &err), HML_OK);
    assert_string_equal(a.min_cost_source, "plan");
    assert_int_equal(smell(&a, "model-reuse")->verdict, STATS_VERDICT_NO_COST);
    report_analysis_free(&a);
    o.min_cost = "memory=10%";
    assert_int_equal(report_analyze(&d, &o, &a, &err), HML_OK);
    assert_string_equal(a.min_cost_source, "plan + command line");
    s = smell(&a, "model-reuse");
    assert_int_equal(s->verdict, STATS_VERDICT_HIDDEN_COST); /* +40 % memory > 10 % */
    assert_non_null(strstr(s->evidence, "peak RSS ["));
    assert_null(strstr(s->evidence, "energy and CO2 [")); /* +15 % < 50 % */
    report_analysis_free(&a);

    /* a damaged plan setting is an error, not a silent default */
    snprintf(d.min_cost, sizeof d.min_cost, "lots");
    assert_int_equal(report_analyze(&d, NULL, &a, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "the plan's smallest cost of interest"));
    report_dataset_free(&d);
}

/* libpath's real shape: +0.20 % peak RSS in every run, every smell run above
 * every baseline run. Significant, and reported as below the threshold. */
static void a_significant_sub_threshold_cost_is_no_cost(void **state)
{
    (void)state;
    report_dataset d;
    memset(&d, 0, sizeof d);
    hml_err err;
    const char *names[] = {"baseline", "libpath"};
    for (size_t i = 0; i < 2; i++) {
        report_arm *arm = report_dataset_add_arm(&d, names[i]);
        assert_non_null(arm);
        arm->is_baseline = i == 0;
        if (i)
            snprintf(arm->smell, sizeof arm->smell, "libpath");
        for (int r = 0; r < 10; r++) {
            report_run *run = report_arm_add_run(arm);
            assert_non_null(run);
            snprintf(run->status, sizeof run->status, "ok");
            run->order = r;
            double rss = 140e6 * (i ? 1.002 : 1.0) * (1 + 0.0001 * ((r * 7) % 10 - 4.5) / 4.5);
            double wall = 10 * (1 + 0.002 * ((r * 3) % 10 - 4.5) / 4.5);
            assert_int_equal(report_run_set_metric(run, "peak_rss_bytes", rss, "B", "measured",
                                                   &err), HML_OK);
            assert_int_equal(report_run_set_metric(run, "wall_s", wall, "s", "measured", &err),
                             HML_OK);
            assert_int_equal(report_run_set_metric(run, "accuracy", 0.7, "1", "workload", &err),
                             HML_OK);
        }
    }
    assert_int_equal(report_dataset_pair(&d, &err), HML_OK);
    report_analysis a;
    assert_int_equal(report_analyze(&d, NULL, &a, &err), HML_OK);
    const report_smell_result *s = smell(&a, "libpath");
    int rss = report_analysis_metric(&a, "peak_rss_bytes");
    assert_true(s->cmp[rss].significant); /* the rank test sees the difference */
    assert_int_equal(s->verdict, STATS_VERDICT_NO_COST);
    assert_non_null(strstr(s->evidence, "+0.20 % peak RSS ["));
    assert_non_null(strstr(s->evidence, "] is below the 2 % of interest"));
    assert_non_null(strstr(s->evidence, "equivalent within ±2 %: wall time, peak RSS"));
    assert_true(s->stability > 0.99);
    report_analysis_free(&a);
    report_dataset_free(&d);
}

/* Baseline and smell arms of 12 runs with a failed one among them, added
 * in run order or backwards (a store or a CSV may list runs either way). */
static void study_in_input_order(report_dataset *d, bool backwards)
{
    memset(d, 0, sizeof *d);
    hml_err err;
    const char *names[] = {"baseline", "batch"};
    for (size_t i = 0; i < 2; i++) {
        report_arm *arm = report_dataset_add_arm(d, names[i]);
        assert_non_null(arm);
        arm->is_baseline = i == 0;
        if (i)
            snprintf(arm->smell, sizeof arm->smell, "batch");
        for (int k = 0; k < 12; k++) {
            int r = backwards ? 11 - k : k;
            report_run *run = report_arm_add_run(arm);
            assert_non_null(run);
            snprintf(run->id, sizeof run->id, "%s-%d", names[i], r);
            snprintf(run->status, sizeof run->status, "%s", r == 5 ? "failed" : "ok");
            run->order = r;
            double wall = 10 * (i ? 1.03 : 1.0) + 0.4 * ((r * 7) % 12) / 11.0 + 0.05 * r;
            assert_int_equal(report_run_set_metric(run, "wall_s", wall, "s", "measured", &err),
                             HML_OK);
            assert_int_equal(report_run_set_metric(run, "accuracy", 0.7 + 0.001 * (r % 3), "1",
                                                   "workload", &err),
                             HML_OK);
        }
    }
    assert_int_equal(report_dataset_pair(d, &err), HML_OK);
}

/* The resampled intervals and the verdict's stability follow the runs'
 * order, not the order they were listed in. */
static void runs_are_analysed_in_run_order_whatever_the_input_order(void **state)
{
    (void)state;
    report_dataset forwards, backwards;
    report_analysis af, ab;
    hml_err err;
    study_in_input_order(&forwards, false);
    study_in_input_order(&backwards, true);
    assert_int_equal(report_analyze(&forwards, NULL, &af, &err), HML_OK);
    assert_int_equal(report_analyze(&backwards, NULL, &ab, &err), HML_OK);
    const report_smell_result *f = smell(&af, "batch"), *b = smell(&ab, "batch");
    int wall = report_analysis_metric(&af, "wall_s");
    assert_true(wall >= 0);
    assert_true(f->cmp[wall].tested);
    assert_true(f->cmp[wall].boot.diff_lo == b->cmp[wall].boot.diff_lo);
    assert_true(f->cmp[wall].boot.diff_hi == b->cmp[wall].boot.diff_hi);
    assert_true(f->cmp[wall].boot.ratio_lo == b->cmp[wall].boot.ratio_lo);
    assert_true(f->stability == b->stability);
    assert_int_equal(f->verdict, b->verdict);
    report_analysis_free(&af);
    report_analysis_free(&ab);
    report_dataset_free(&forwards);
    report_dataset_free(&backwards);
}

static void options_change_the_analysis(void **state)
{
    (void)state;
    report_dataset d;
    report_analysis a;
    hml_err err;
    assert_int_equal(report_load_csv(FIXTURES "study.csv", NULL, &d, &err), HML_OK);
    report_options o;
    report_options_default(&o);
    o.min_runs = 3; /* parallelism's 3 runs now suffice */
    o.acc_margin = 0.10; /* minibatch's -5 pp now within the margin */
    assert_int_equal(report_analyze(&d, &o, &a, &err), HML_OK);
    assert_int_equal(smell(&a, "minibatch")->verdict, STATS_VERDICT_HIDDEN_COST);
    assert_int_not_equal(smell(&a, "parallelism")->reason, STATS_REASON_TOO_FEW_RUNS);
    report_analysis_free(&a);
    report_dataset_free(&d);
}

static void empty_arm_and_every_format_still_render(void **state)
{
    (void)state;
    report_dataset d = {0};
    const double wall[] = {10.0, 10.1, 9.9};
    const double acc[] = {0.7, 0.71, 0.69};
    arm_with(&d, "baseline", true, "", wall, acc, 3);
    report_arm *empty = report_dataset_add_arm(&d, "parallelism"); /* interrupted: no runs */
    assert_non_null(empty);
    snprintf(empty->smell, sizeof empty->smell, "parallelism");
    hml_err err;
    assert_int_equal(report_dataset_pair(&d, &err), HML_OK);
    report_analysis a;
    assert_int_equal(report_analyze(&d, NULL, &a, &err), HML_OK);
    assert_int_equal(smell(&a, "parallelism")->verdict, STATS_VERDICT_INCONCLUSIVE);
    report_format formats[] = {REPORT_FORMAT_TEXT, REPORT_FORMAT_MARKDOWN, REPORT_FORMAT_CSV,
                               REPORT_FORMAT_JSON, REPORT_FORMAT_HTML};
    for (size_t i = 0; i < 5; i++)
        free(render(&a, formats[i], true));
    report_analysis_free(&a);
    report_dataset_free(&d);
}

/* A run's figure as the formatters and the warnings read it: a value that
 * is not a finite number is no figure. */
static void a_run_value_is_its_finite_metric_or_the_default(void **state)
{
    (void)state;
    report_dataset d = {0};
    report_arm *arm = report_dataset_add_arm(&d, "baseline");
    assert_non_null(arm);
    report_run *run = report_arm_add_run(arm);
    assert_non_null(run);
    hml_err err;
    assert_int_equal(report_run_set_metric(run, "wall_s", 12.5, "s", "measured", &err), HML_OK);
    assert_int_equal(report_run_set_metric(run, "cpu_s", NAN, "s", "measured", &err), HML_OK);
    assert_int_equal(report_run_set_metric(run, "energy_cpu_j", INFINITY, "J", "rapl", &err),
                     HML_OK);
    assert_true(report_run_metric_or(run, "wall_s", -1) == 12.5);
    assert_true(report_run_metric_or(run, "cpu_s", -1) == -1);
    assert_true(report_run_metric_or(run, "energy_cpu_j", 0) == 0);
    assert_true(isnan(report_run_metric_or(run, "sys_s", NAN)));
    report_dataset_free(&d);
}

/* Damaged files: every single-byte change of a real CSV either loads or is
 * refused with a one-line message; none crashes (the suite also runs under
 * ASan and UBSan). */
static void damaged_csv_never_crashes(void **state)
{
    (void)state;
    FILE *f = fopen(FIXTURES "study.csv", "rb");
    assert_non_null(f);
    char *text = malloc(1 << 16);
    size_t len = fread(text, 1, (1 << 16) - 1, f);
    fclose(f);
    len = len > 3000 ? 3000 : len; /* the header and a few rows keep it fast */
    static const char damage[] = {'"', ',', '\n', '\0', 'x', '-', '9', '\r', ' '};
    char path[] = "/tmp/hmlcost-damaged-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    srand(7);
    for (int trial = 0; trial < 150; trial++) {
        char *copy = malloc(len);
        memcpy(copy, text, len);
        for (int k = 0; k < 1 + trial % 3; k++)
            copy[rand() % len] = damage[rand() % sizeof damage];
        FILE *out = fopen(path, "wb");
        fwrite(copy, 1, len, out);
        fclose(out);
        report_dataset d;
        hml_err err;
        if (report_load_csv(path, NULL, &d, &err) == HML_OK) {
            report_analysis a;
            report_options o;
            report_options_default(&o);
            o.resamples = 1000;
            if (report_analyze(&d, &o, &a, &err) == HML_OK) {
                free(render(&a, REPORT_FORMAT_TEXT, false));
                report_analysis_free(&a);
            }
            report_dataset_free(&d);
        } else {
            assert_null(strchr(err.msg, '\n'));
            assert_true(err.msg[0] != '\0');
        }
        free(copy);
    }
    unlink(path);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(constructed_study_gets_its_four_verdicts),
        cmocka_unit_test(csv_round_trip_gives_the_same_verdicts),
        cmocka_unit_test(codecarbon_csv_with_arm_column),
        cmocka_unit_test(csv_input_errors_name_the_problem),
        cmocka_unit_test(pairing_per_smell_baselines_and_identical_accuracy),
        cmocka_unit_test(formats_explain_what_each_smell_arm_measures),
        cmocka_unit_test(arms_measured_by_different_methods_are_flagged),
        cmocka_unit_test(first_run_warning_knows_the_warm_up),
        cmocka_unit_test(sample_energy_becomes_power_over_time),
        cmocka_unit_test(formats_carry_verdicts_methods_and_colour_only_when_asked),
        cmocka_unit_test(options_change_the_analysis),
        cmocka_unit_test(the_smallest_cost_of_interest_comes_from_plan_or_user),
        cmocka_unit_test(a_significant_sub_threshold_cost_is_no_cost),
        cmocka_unit_test(runs_are_analysed_in_run_order_whatever_the_input_order),
        cmocka_unit_test(empty_arm_and_every_format_still_render),
        cmocka_unit_test(damaged_csv_never_crashes),
        cmocka_unit_test(a_run_value_is_its_finite_metric_or_the_default),
        cmocka_unit_test(unfit_runs_are_named_and_the_energy_band_shown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
