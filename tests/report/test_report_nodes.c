/* A report of runs from several nodes: the runs per node, a warning naming
 * the hardware or the nodes when compared arms ran apart, and one node's
 * runs read alone. The store is written through its API with made-up hosts,
 * so nothing depends on the machine the test runs on. */
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
#include "report/load_store.h"
#include "store/store.h"

enum { RUNS = 6 };

typedef struct fixture {
    char dir[64];
    char path[128];
    store *s;
    int64_t host[3]; /* node-a, node-b: one Xeon model; node-c: an EPYC with a GPU */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/hmlcost-nodes-XXXXXX");
    if (!f || !mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/runs.db", f->dir);
    hml_err err;
    if (store_open(&f->s, f->path, STORE_READ_WRITE, &err) != HML_OK)
        return -1;
    const meter_host hosts[3] = {
        {.hostname = "node-a", .cpu_model = "Intel(R) Xeon(R) Gold 6430", .threads = 64},
        {.hostname = "node-b", .cpu_model = "Intel(R) Xeon(R) Gold 6430", .threads = 64},
        {.hostname = "node-c", .cpu_model = "AMD EPYC 9654", .threads = 192,
         .gpu_model = "NVIDIA H100"},
    };
    for (int i = 0; i < 3; i++)
        if (store_put_host(f->s, &hosts[i], &f->host[i], &err) != HML_OK)
            return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    store_close(f->s);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* Begins an experiment of a baseline and a "slow" arm, `runs` runs each;
 * arm_id[0] receives the baseline's id, arm_id[1] the smell's. Returns the
 * experiment's id. */
static int64_t begin_two_arms(fixture *f, const char *key, int64_t host, int runs,
                              int64_t arm_id[2])
{
    hml_err err;
    store_experiment_spec spec = {.plan_key = key, .plan_json = "{}", .command = "true",
                                  .host_id = host, .runs_per_arm = runs,
                                  .order = "interleaved", .seed = 1};
    int64_t id = 0;
    bool resumed;
    assert_int_equal(store_begin_experiment(f->s, &spec, &id, &resumed, &err), HML_OK);
    const char *names[2] = {"baseline", "slow"};
    for (int a = 0; a < 2; a++) {
        store_arm_spec arm = {.name = names[a], .position = a, .is_baseline = a == 0,
                              .smell = a ? "slow" : NULL, .argv_json = "[\"true\"]",
                              .env_json = "[]"};
        assert_int_equal(store_put_arm(f->s, id, &arm, &arm_id[a], &err), HML_OK);
    }
    return id;
}

/* An experiment of a baseline and a smell arm 30 % slower, RUNS runs each;
 * run i of arm a ran on host_of[a][i], and node-b is a second slower than
 * the others. Returns its id. */
static int64_t put_study(fixture *f, const char *key, const int64_t host_of[2][RUNS])
{
    hml_err err;
    int64_t arm_ids[2];
    int64_t id = begin_two_arms(f, key, host_of[0][0], RUNS, arm_ids);
    for (int a = 0; a < 2; a++) {
        int64_t arm_id = arm_ids[a];
        for (int i = 0; i < RUNS; i++) {
            double node_b = host_of[a][i] == f->host[1] ? 1.0 : 0.0;
            meter_metric wall = {.name = "wall_s", .value = (a ? 1.3 : 1.0) + node_b + 0.001 * i,
                                 .unit = "s", .method = "measured"};
            store_run_record run = {.arm_id = arm_id, .run_index = i, .position = 2 * i + a,
                                    .started_at = "2026-01-01T00:00:00Z",
                                    .host_id = host_of[a][i], .status = STORE_RUN_OK,
                                    .metrics = &wall, .metric_count = 1};
            assert_int_equal(store_put_run(f->s, &run, NULL, &err), HML_OK);
        }
    }
    return id;
}

static void load(fixture *f, int64_t id, report_dataset *d)
{
    hml_err err;
    report_store_options o = {.experiment = id};
    assert_int_equal(report_load_store(f->path, &o, d, &err), HML_OK);
}

static char *render(const report_analysis *a, report_format format)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    hml_err err;
    report_render_options r = {0};
    assert_int_equal(report_render(out, format, a, &r, &err), HML_OK);
    fclose(out);
    return text;
}

static const report_warning *find_warning(const report_analysis *a, const char *id)
{
    for (size_t i = 0; i < a->n_warnings; i++)
        if (strcmp(a->warnings[i].id, id) == 0)
            return &a->warnings[i];
    return NULL;
}

static void arms_interleaved_over_two_nodes_are_counted_per_node(void **state)
{
    fixture *f = *state;
    int64_t a = f->host[0], b = f->host[1];
    const int64_t where[2][RUNS] = {{a, b, a, b, a, b}, {a, b, a, b, a, b}};
    int64_t id = put_study(f, "00000000000000a1", where);
    report_dataset d;
    load(f, id, &d);
    assert_string_equal(d.arms[0].runs[1].host.hostname, "node-b");
    report_analysis an;
    hml_err err;
    assert_int_equal(report_analyze(&d, NULL, &an, &err), HML_OK);
    assert_int_equal(an.n_nodes, 2);
    assert_string_equal(an.nodes[0].hostname, "node-a");
    assert_int_equal(an.nodes[0].runs, RUNS);
    assert_int_equal(an.nodes[0].arm_runs[0], RUNS / 2);
    assert_int_equal(an.nodes[1].arm_runs[1], RUNS / 2);
    /* both arms on both nodes: nothing to warn about */
    assert_null(find_warning(&an, "mixed-nodes"));
    assert_null(find_warning(&an, "mixed-hardware"));

    /* node as the stratum: on each node every slow run is above every
     * baseline run (z = 9 / sqrt 10.5, p = 0.00548); pooled, node-b's
     * baseline runs outrank node-a's slow runs and the test sees less */
    int m = report_analysis_metric(&an, "wall_s");
    assert_true(m >= 0);
    const report_comparison *c = &an.smells[0].cmp[m];
    assert_true(c->stratified);
    assert_int_equal(c->strata.strata, 2);
    assert_true(fabs(c->strata.p - 0.005478) < 1e-5);
    assert_true(c->mwu.p > 0.1);
    assert_true(c->p_holm <= c->strata.p * an.family_size + 1e-12);
    assert_true(c->p_holm < c->mwu.p);
    assert_int_equal(an.stratified_tests, an.family_size);

    char *text = render(&an, REPORT_FORMAT_TEXT);
    assert_non_null(strstr(text, "van Elteren's stratified Mann-Whitney test with node as the "
                                 "stratum"));
    assert_non_null(strstr(text, "Nodes"));
    assert_non_null(strstr(text, "node-b"));
    assert_non_null(strstr(text, "baseline 3, slow 3"));
    free(text);
    char *md = render(&an, REPORT_FORMAT_MARKDOWN);
    assert_non_null(strstr(md, "## Nodes"));
    assert_non_null(strstr(md, "| node-a |"));
    free(md);
    char *json = render(&an, REPORT_FORMAT_JSON);
    cJSON *root = cJSON_Parse(json);
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(root, "nodes");
    assert_int_equal(cJSON_GetArraySize(nodes), 2);
    const cJSON *second = cJSON_GetArrayItem(nodes, 1);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(second, "hostname")->valuestring,
                        "node-b");
    const cJSON *per_arm = cJSON_GetObjectItemCaseSensitive(second, "runs_per_arm");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(per_arm, "slow")->valueint, RUNS / 2);
    const cJSON *wall = cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "smells"), 0), "comparisons"),
        report_analysis_metric(&an, "wall_s"));
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(wall, "p_holm_test")->valuestring,
                        "van_elteren");
    cJSON_Delete(root);
    free(json);

    /* our CSV carries the node: read back, the same nodes and test */
    char csv_path[160];
    snprintf(csv_path, sizeof csv_path, "%s/runs.csv", f->dir);
    char *csv = render(&an, REPORT_FORMAT_CSV);
    FILE *fp = fopen(csv_path, "w");
    assert_non_null(fp);
    fputs(csv, fp);
    fclose(fp);
    free(csv);
    report_dataset back;
    report_csv_options co = {0};
    assert_int_equal(report_load_csv(csv_path, &co, &back, &err), HML_OK);
    report_analysis again;
    assert_int_equal(report_analyze(&back, NULL, &again, &err), HML_OK);
    assert_int_equal(again.n_nodes, 2);
    assert_string_equal(again.nodes[1].hostname, "node-b");
    int mb = report_analysis_metric(&again, "wall_s");
    assert_true(again.smells[0].cmp[mb].stratified);
    assert_true(fabs(again.smells[0].cmp[mb].strata.p - c->strata.p) < 1e-12);
    report_analysis_free(&again);
    report_dataset_free(&back);
    report_analysis_free(&an);

    /* one node read alone: half the runs, no node table */
    assert_int_equal(report_dataset_keep_node(&d, "node-b", &err), HML_OK);
    assert_int_equal(d.arms[0].n_runs, RUNS / 2);
    assert_int_equal(d.arms[1].n_runs, RUNS / 2);
    for (size_t r = 0; r < d.arms[1].n_runs; r++)
        assert_string_equal(d.arms[1].runs[r].host.hostname, "node-b");
    assert_int_equal(report_analyze(&d, NULL, &an, &err), HML_OK);
    assert_int_equal(an.n_nodes, 1);
    assert_false(an.smells[0].cmp[m].stratified);
    assert_int_equal(an.stratified_tests, 0);
    text = render(&an, REPORT_FORMAT_TEXT);
    assert_null(strstr(text, "Nodes"));
    assert_null(strstr(text, "van Elteren"));
    free(text);
    report_analysis_free(&an);
    report_dataset_free(&d);
}

static void an_unknown_node_is_refused_naming_the_nodes(void **state)
{
    fixture *f = *state;
    int64_t a = f->host[0], b = f->host[1];
    const int64_t where[2][RUNS] = {{a, b, a, b, a, b}, {a, b, a, b, a, b}};
    int64_t id = put_study(f, "00000000000000a2", where);
    report_dataset d;
    load(f, id, &d);
    hml_err err;
    assert_int_equal(report_dataset_keep_node(&d, "node", &err), HML_EUSAGE);
    assert_string_equal(err.msg, "--node node: no runs on that node (nodes: node-a, node-b)");
    report_dataset_free(&d);
}

static void arms_on_different_nodes_are_named(void **state)
{
    fixture *f = *state;
    int64_t a = f->host[0], b = f->host[1];
    const int64_t where[2][RUNS] = {{a, a, a, a, a, a}, {b, b, b, b, b, b}};
    int64_t id = put_study(f, "00000000000000a3", where);
    report_dataset d;
    load(f, id, &d);
    report_analysis an;
    hml_err err;
    assert_int_equal(report_analyze(&d, NULL, &an, &err), HML_OK);
    assert_null(find_warning(&an, "mixed-hardware"));
    const report_warning *w = find_warning(&an, "mixed-nodes");
    assert_non_null(w);
    assert_non_null(strstr(w->text, "slow vs baseline: ran on different nodes: slow on node-b; "
                                    "baseline on node-a"));
    /* no node holds both arms: nothing to compare within a node */
    assert_int_equal(an.stratified_tests, 0);
    report_analysis_free(&an);
    report_dataset_free(&d);
}

static void arms_on_different_hardware_are_named(void **state)
{
    fixture *f = *state;
    int64_t a = f->host[0], b = f->host[1], c = f->host[2];
    /* the smell arm partly on the EPYC node: its hardware differs */
    const int64_t where[2][RUNS] = {{a, b, a, b, a, b}, {a, b, c, c, a, b}};
    int64_t id = put_study(f, "00000000000000a4", where);
    report_dataset d;
    load(f, id, &d);
    report_analysis an;
    hml_err err;
    assert_int_equal(report_analyze(&d, NULL, &an, &err), HML_OK);
    assert_null(find_warning(&an, "mixed-nodes"));
    const report_warning *w = find_warning(&an, "mixed-hardware");
    assert_non_null(w);
    assert_non_null(strstr(w->text, "slow on Intel(R) Xeon(R) Gold 6430; AMD EPYC 9654 + "
                                    "NVIDIA H100 (node-a, node-b, node-c); baseline on "
                                    "Intel(R) Xeon(R) Gold 6430 (node-a, node-b)"));
    assert_int_equal(an.n_nodes, 3);
    report_analysis_free(&an);

    /* the Xeon nodes read one at a time: one hardware, no warning */
    assert_int_equal(report_dataset_keep_node(&d, "node-a", &err), HML_OK);
    assert_int_equal(report_analyze(&d, NULL, &an, &err), HML_OK);
    assert_null(find_warning(&an, "mixed-hardware"));
    assert_null(find_warning(&an, "mixed-nodes"));
    report_analysis_free(&an);
    report_dataset_free(&d);
}

/* A study of 20 runs per arm on node-a and node-b, node-b 30 % slower: the
 * smell ran runs 0, 4, 8, ... on node-a and the rest on node-b, the
 * baseline the other way round; the smell costs `effect` more wall time on
 * either node, and node-b's runs score `acc_drop` lower in accuracy. The
 * values are those of tests/stats/test_stratified.c, whose reference values
 * (make_stratified_reference.py, SciPy) hold here. */
enum { UNBALANCED_RUNS = 20 };
static const double NOISE[UNBALANCED_RUNS] = {0.992, 1.007, 1.001, 0.988, 1.012, 0.997, 1.004,
                                              0.995, 1.010, 0.990, 1.003, 0.999, 1.008, 0.993,
                                              1.000, 1.006, 0.991, 1.011, 0.996, 1.002};

static int64_t put_unbalanced_study(fixture *f, const char *key, double effect, double acc_drop)
{
    hml_err err;
    int64_t arm_ids[2];
    int64_t id = begin_two_arms(f, key, f->host[0], UNBALANCED_RUNS, arm_ids);
    for (int a = 0; a < 2; a++) {
        int64_t arm_id = arm_ids[a];
        for (int i = 0; i < UNBALANCED_RUNS; i++) {
            bool on_a = (i % 4 == 0) == (a == 1);
            double wall = (on_a ? 100.0 : 130.0) *
                          (a ? (1 + effect) * NOISE[i] : NOISE[(i + 7) % UNBALANCED_RUNS]);
            meter_metric m[2] = {
                {.name = "wall_s", .value = wall, .unit = "s", .method = "measured"},
                {.name = "accuracy",
                 .value = 0.700 + 0.001 * (double)((i + 1 - a) % 3) - 0.001 -
                          (on_a ? 0 : acc_drop),
                 .unit = "1", .method = "workload"}};
            store_run_record run = {.arm_id = arm_id, .run_index = i, .position = 2 * i + a,
                                    .started_at = "2026-01-01T00:00:00Z",
                                    .host_id = on_a ? f->host[0] : f->host[1],
                                    .status = STORE_RUN_OK, .metrics = m, .metric_count = 2};
            assert_int_equal(store_put_run(f->s, &run, NULL, &err), HML_OK);
        }
    }
    return id;
}

/* The unbalanced study put, loaded into *d and analysed into *an. */
static void analyze_unbalanced_study(fixture *f, const char *key, double effect, double acc_drop,
                                     report_dataset *d, report_analysis *an)
{
    load(f, put_unbalanced_study(f, key, effect, acc_drop), d);
    hml_err err;
    assert_int_equal(report_analyze(d, NULL, an, &err), HML_OK);
}

/* Every run on one node, as if the runs had come from one machine. */
static void forget_nodes(report_dataset *d)
{
    for (size_t a = 0; a < d->n_arms; a++)
        for (size_t r = 0; r < d->arms[a].n_runs; r++)
            d->arms[a].runs[r].host = d->arms[0].runs[1].host;
}

/* Does the first row holding `cells` end in an empty column? Not inlined:
 * GCC would take csv for render's local and warn of a dangling pointer. */
__attribute__((noinline)) static bool last_column_empty_after(const char *csv,
                                                             const char *cells)
{
    const char *row = strstr(csv, cells);
    size_t len = row ? strcspn(row, "\n") : 0;
    return row && len > 0 && row[len - 1] == ',';
}

#define STRATIFIED_NOTE "the verdicts of 1 of the 1 smells are stratified by node"

static void a_slower_node_with_more_smell_runs_is_not_a_hidden_cost(void **state)
{
    fixture *f = *state;
    report_dataset d;
    report_analysis an;
    analyze_unbalanced_study(f, "00000000000000a5", 0.0, 0.0, &d, &an);
    hml_err err;
    int m = report_analysis_metric(&an, "wall_s");
    const report_smell_result *s = &an.smells[0];
    const report_comparison *c = &s->cmp[m];
    /* within nodes: +0.15 % [-0.31 %, +0.61 %], below the 2 % of interest */
    assert_int_equal(c->margin_strata, 2);
    assert_true(fabs(c->margin.change - 0.0015265147129680675) < 1e-9);
    assert_true(fabs(c->margin.lo - -0.003056820579527171) < 1e-9);
    assert_true(fabs(c->margin.hi - 0.006130921379275848) < 1e-9);
    assert_int_equal(s->verdict, STATS_VERDICT_NO_COST);
    assert_int_equal(s->strata, 2);
    assert_int_equal(an.stratified_verdicts, 1);
    assert_non_null(strstr(s->evidence, "stratified by node (2 nodes holding both arms)"));
    assert_true(s->stability > 0.99);
    /* the table's change too: the ratio of node-weighted means, +0.15 %
     * (SciPy's percentile interval [-0.38 %, +0.67 %], within Monte Carlo
     * error), where the runs pooled read +14 % */
    assert_int_equal(c->change_strata, 2);
    assert_true(fabs(c->boot.ratio - 1 - 0.0015256990370111634) < 1e-9);
    assert_true(fabs(c->boot.ratio_lo - 1 - -0.0037897472914166785) < 0.0005);
    assert_true(fabs(c->boot.ratio_hi - 1 - 0.006745444795064781) < 0.0005);
    assert_int_equal(an.stratified_changes, 2); /* wall time and accuracy */

    char *text = render(&an, REPORT_FORMAT_TEXT);
    assert_non_null(strstr(text, STRATIFIED_NOTE));
    assert_non_null(strstr(text, "stratified by node (2 nodes holding both arms)"));
    assert_non_null(strstr(text, "change by node [95 % CI]"));
    assert_non_null(strstr(text, "+0.15 % ["));
    assert_null(strstr(text, "+14 %"));
    assert_non_null(strstr(text, "2 of the tables' changes are stratified by node"));
    free(text);
    char *md = render(&an, REPORT_FORMAT_MARKDOWN);
    assert_non_null(strstr(md, STRATIFIED_NOTE));
    assert_non_null(strstr(md, "| change by node [95 % CI] |"));
    free(md);
    char *html = render(&an, REPORT_FORMAT_HTML);
    assert_non_null(strstr(html, STRATIFIED_NOTE));
    assert_non_null(strstr(html, "<th>Change by node [95 % CI]</th>"));
    free(html);
    char *json = render(&an, REPORT_FORMAT_JSON);
    cJSON *root = cJSON_Parse(json);
    const cJSON *smell = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "smells"), 0);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(smell, "stratified_by_node")));
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(smell, "strata")->valueint, 2);
    const cJSON *wall =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(smell, "comparisons"), m);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(wall, "change_strata")->valueint, 2);
    const cJSON *test = cJSON_GetObjectItemCaseSensitive(wall, "min_cost_test");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(test, "strata")->valueint, 2);
    cJSON_Delete(root);
    free(json);
    char *csv = render(&an, REPORT_FORMAT_CSV);
    assert_non_null(strstr(csv, ",verdict,verdict_stability,verdict_nodes\n"));
    assert_non_null(strstr(csv, ",no_cost,1,2\n"));
    free(csv);
    report_analysis_free(&an);

    /* the same runs with their nodes forgotten (one machine, as it were):
     * the slow node's share of the smell's runs reads as +14 %, a HIDDEN
     * COST */
    forget_nodes(&d);
    assert_int_equal(report_analyze(&d, NULL, &an, &err), HML_OK);
    assert_int_equal(an.n_nodes, 1);
    assert_int_equal(an.smells[0].cmp[m].margin_strata, 0);
    assert_true(fabs(an.smells[0].cmp[m].margin.change - 0.14017542509913913) < 1e-9);
    assert_int_equal(an.smells[0].verdict, STATS_VERDICT_HIDDEN_COST);
    assert_int_equal(an.stratified_verdicts, 0);
    assert_int_equal(an.smells[0].cmp[m].change_strata, 0);
    assert_true(fabs(an.smells[0].cmp[m].boot.ratio - 1 - 0.13954980932006267) < 1e-9);
    text = render(&an, REPORT_FORMAT_TEXT);
    assert_null(strstr(text, "stratified by node"));
    assert_null(strstr(text, "by node ["));
    assert_non_null(strstr(text, "change [95 % CI]"));
    assert_non_null(strstr(text, "+14 % ["));
    free(text);
    json = render(&an, REPORT_FORMAT_JSON);
    assert_null(strstr(json, "change_strata"));
    free(json);
    csv = render(&an, REPORT_FORMAT_CSV);
    /* verdict_nodes, the last column, is empty: the runs pooled */
    assert_true(last_column_empty_after(csv, ",hidden_cost,"));
    free(csv);
    report_analysis_free(&an);
    report_dataset_free(&d);
}

static void a_cost_on_every_node_stays_a_hidden_cost(void **state)
{
    fixture *f = *state;
    report_dataset d;
    report_analysis an;
    analyze_unbalanced_study(f, "00000000000000a6", 0.10, 0.0, &d, &an);
    int m = report_analysis_metric(&an, "wall_s");
    const report_smell_result *s = &an.smells[0];
    assert_int_equal(s->verdict, STATS_VERDICT_HIDDEN_COST);
    assert_true(fabs(s->cmp[m].margin.change - 0.10167916618426477) < 1e-9);
    /* the evidence prints the change the verdict judged, within nodes */
    assert_non_null(strstr(s->evidence, "+10 % wall time [+9.7 %, +11 %], above the 2 % of interest"));
    /* and the table shows it as about +10 %, not the +25 % of the runs pooled */
    assert_int_equal(s->cmp[m].change_strata, 2);
    assert_true(fabs(s->cmp[m].boot.ratio - 1 - 0.10167826894071208) < 1e-9);
    assert_true(fabs(s->cmp[m].boot.ratio_lo - 1 - 0.09583127797944169) < 0.0005);
    assert_true(fabs(s->cmp[m].boot.ratio_hi - 1 - 0.10741998927457175) < 0.0005);
    char *text = render(&an, REPORT_FORMAT_TEXT);
    assert_non_null(strstr(text, "+10 % [9.6 %, 11 %]"));
    free(text);
    report_analysis_free(&an);
    report_dataset_free(&d);
}

static void lower_accuracy_on_the_node_with_more_smell_runs_is_not_visible(void **state)
{
    fixture *f = *state;
    report_dataset d;
    report_analysis an;
    analyze_unbalanced_study(f, "00000000000000a7", 0.0, 0.024, &d, &an);
    hml_err err;
    const report_smell_result *s = &an.smells[0];
    /* within nodes: -0.02 pp, equivalent within 1 pp (SciPy: p = 2.9e-28) */
    assert_true(s->has_accuracy);
    assert_int_equal(s->tost_strata, 2);
    assert_true(fabs(s->tost.diff - -0.0002) < 1e-12);
    assert_true(s->tost.equivalent);
    assert_int_equal(s->verdict, STATS_VERDICT_NO_COST);
    assert_int_equal(an.stratified_tosts, 1);
    int acc = report_analysis_metric(&an, "accuracy");
    assert_true(acc >= 0);
    /* the table's accuracy row: the difference of node-weighted means, in pp */
    assert_int_equal(s->cmp[acc].change_strata, 2);
    assert_true(fabs(s->cmp[acc].boot.diff - -0.0002) < 1e-12);
    char *text = render(&an, REPORT_FORMAT_TEXT);
    assert_non_null(strstr(text, "equivalent, stratified by node\n"));
    assert_non_null(strstr(text, "-0.02 pp ["));
    assert_non_null(strstr(text, "accuracy's TOST of 1 of the 1 smells is stratified by node"));
    free(text);
    char *json = render(&an, REPORT_FORMAT_JSON);
    cJSON *root = cJSON_Parse(json);
    const cJSON *smell = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "smells"), 0);
    const cJSON *accuracy = cJSON_GetObjectItemCaseSensitive(smell, "accuracy");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(accuracy, "strata")->valueint, 2);
    cJSON_Delete(root);
    free(json);
    report_analysis_free(&an);

    /* the nodes forgotten: -1.2 pp, not equivalent (SciPy: p = 0.73), VISIBLE */
    forget_nodes(&d);
    assert_int_equal(report_analyze(&d, NULL, &an, &err), HML_OK);
    s = &an.smells[0];
    assert_int_equal(s->tost_strata, 0);
    assert_true(fabs(s->tost.diff - -0.0121) < 1e-12);
    assert_true(fabs(s->tost.p - 0.7325296594279251) < 1e-6);
    assert_false(s->tost.equivalent);
    assert_int_equal(s->verdict, STATS_VERDICT_VISIBLE);
    text = render(&an, REPORT_FORMAT_TEXT);
    assert_null(strstr(text, "stratified by node"));
    free(text);
    report_analysis_free(&an);
    report_dataset_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(arms_interleaved_over_two_nodes_are_counted_per_node,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(an_unknown_node_is_refused_naming_the_nodes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(arms_on_different_nodes_are_named, setup, teardown),
        cmocka_unit_test_setup_teardown(arms_on_different_hardware_are_named, setup, teardown),
        cmocka_unit_test_setup_teardown(a_slower_node_with_more_smell_runs_is_not_a_hidden_cost,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_cost_on_every_node_stays_a_hidden_cost, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            lower_accuracy_on_the_node_with_more_smell_runs_is_not_visible, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
