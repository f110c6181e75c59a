/* The lint room on texts in memory, against fake hosts: rules, value
 * following, launchers, bad input, the experiment of a finding and the
 * copy --confirm runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cjson_alloc.h"
#include "lint/lint.h"
#include "lint/output.h"
#include "lint/price.h"

static lint_host host_with(long cpus)
{
    lint_host h = {.cpus = cpus, .max_batch = 512};
    snprintf(h.cpus_source, sizeof h.cpus_source, "a fake host");
    snprintf(h.max_batch_source, sizeof h.max_batch_source, "the test's limit");
    return h;
}

/* Lints text as language on a host of cpus CPUs into r. */
static void lint_as(lint_result *r, lint_language language, long cpus, const char *text)
{
    lint_host h = host_with(cpus);
    hml_err err = {0};
    *r = (lint_result){0};
    assert_int_equal(lint_text("t.py", language, text, strlen(text), &h, r, &err), HML_OK);
}

static size_t count_rule(const lint_result *r, lint_rule_id rule)
{
    size_t n = 0;
    for (size_t i = 0; i < r->count; i++)
        n += r->finding[i].rule == rule;
    return n;
}

static void threads_resolved_against_the_host(void **state)
{
    (void)state;
    const char *src = "import torch\ntorch.set_num_threads(16)\n";
    lint_result r;
    lint_as(&r, LINT_LANG_PYTHON, 8, src);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.finding[0].rule, LINT_PARALLELISM);
    assert_int_equal(r.finding[0].line, 2);
    assert_int_equal(r.finding[0].col, 1);
    assert_int_equal(r.finding[0].knob.value, 16);
    assert_non_null(strstr(r.finding[0].what, "8 CPUs are available (a fake host)"));
    lint_result_free(&r);
    lint_as(&r, LINT_LANG_PYTHON, 64, src); /* the same line on a bigger host is fine */
    assert_int_equal(r.count, 0);
    lint_result_free(&r);
}

static void cpu_count_expressions(void **state)
{
    (void)state;
    lint_result r;
    lint_as(&r, LINT_LANG_PYTHON, 4,
            "import os, torch\ntorch.set_num_threads(os.cpu_count())\n"
            "torch.set_num_threads(len(os.sched_getaffinity(0)))\n"
            "torch.set_num_threads(os.cpu_count() * 2)\n");
    assert_int_equal(r.count, 1);
    assert_int_equal(r.finding[0].line, 4);
    assert_int_equal(r.finding[0].knob.value, 8);
    assert_non_null(strstr(r.finding[0].followed, "CPU count of this host"));
    lint_result_free(&r);
}

static void argparse_default_followed(void **state)
{
    (void)state;
    const char *src =
        "import argparse\nfrom torch.utils.data import DataLoader\n"
        "p = argparse.ArgumentParser()\n"
        "p.add_argument('-b', '--batch-size', dest='bs', type=int, default=4096)\n"
        "args = p.parse_args()\n"
        "loader = DataLoader(ds, batch_size=args.bs)\n";
    lint_result r;
    lint_as(&r, LINT_LANG_PYTHON, 8, src);
    assert_int_equal(r.count, 1);
    const lint_finding *f = &r.finding[0];
    assert_int_equal(f->rule, LINT_MINIBATCH);
    assert_int_equal(f->line, 6);
    assert_int_equal(f->knob.value, 4096);
    assert_string_equal(f->knob.flag, "--batch-size");
    assert_non_null(strstr(f->followed, "the default of --batch-size (line 4)"));
    lint_price p;
    lint_price_of(f, &p);
    assert_true(p.runnable);
    assert_false(p.needs_copy);
    char cmd[2048];
    lint_price_command(&p, 3, cmd, sizeof cmd);
    assert_string_equal(cmd, "hmlcost run --smell minibatch --smell-batch 4096 --baseline-batch 64 "
                             "--runs 3 --workload 'python3 t.py --batch-size {batch}'");
    lint_result_free(&r);
}

static void assignments_and_parameters_followed(void **state)
{
    (void)state;
    const char *src =
        "BASE = 256\nbatch = BASE * 4\nlr = 0.1\n"
        "def train(ds, size=batch):\n"
        "    return DataLoader(ds, batch_size=size)\n"
        "batch = 32\n"; /* assigned after the use: not the value followed */
    lint_result r;
    lint_as(&r, LINT_LANG_PYTHON, 8, src);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.finding[0].knob.value, 1024);
    assert_non_null(strstr(r.finding[0].followed, "parameter size's default (line 4)"));
    assert_non_null(strstr(r.finding[0].what, "no learning rate in this file follows it"));
    lint_result_free(&r);
}

static void not_followed_is_not_flagged(void **state)
{
    (void)state;
    lint_result r;
    lint_as(&r, LINT_LANG_PYTHON, 2,
            "import os, torch\n"
            "torch.set_num_threads(int(os.environ.get('T', '64')))\n"
            "loader = DataLoader(ds, batch_size=config['batch'], num_workers=cfg.workers)\n"
            "torch.set_num_threads(get_threads())\n");
    assert_int_equal(r.count, 0);
    lint_result_free(&r);
}

static void learning_rate_that_follows(void **state)
{
    (void)state;
    lint_result r;
    lint_as(&r, LINT_LANG_PYTHON, 8,
            "B = 64 * 4\nlr = 0.1 * B / 64\nloader = DataLoader(ds, batch_size=B)\n"
            "model.predict(x, batch_size=100000)\n");
    assert_int_equal(r.count, 0);
    lint_result_free(&r);
}

static void model_reuse_shapes(void **state)
{
    (void)state;
    const char *src =
        "import torch.nn as nn\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        for i in range(3):\n"
        "            self.blocks = nn.Sequential(nn.Linear(2, 2))\n" /* inside the model: fine */
        "def build():\n"
        "    return Net()\n"
        "model = None\n"
        "for epoch in range(4):\n"
        "    if model is None:\n"
        "        model = Net()\n"            /* lazy: built once */
        "    layers = [nn.Sequential(nn.ReLU()) for _ in range(2)]\n"
        "for fold in range(5):\n"
        "    m = build()\n"                  /* line 15: a builder per pass */
        "    n = Net().to('cpu')\n";         /* line 16: a construction per pass */
    lint_result r;
    lint_as(&r, LINT_LANG_PYTHON, 8, src);
    assert_int_equal(r.count, 2);
    assert_int_equal(count_rule(&r, LINT_MODEL_REUSE), 2);
    assert_int_equal(r.finding[0].line, 15);
    assert_non_null(strstr(r.finding[0].what, "build() builds a model (line 8)"));
    assert_non_null(strstr(r.finding[0].what, "(5 passes)"));
    assert_int_equal(r.finding[1].line, 16);
    assert_int_equal(r.finding[0].knob.value, 5);
    lint_result_free(&r);
}

static void keras_without_clear_session(void **state)
{
    (void)state;
    lint_result r;
    lint_as(&r, LINT_LANG_PYTHON, 8,
            "import tensorflow as tf\nfor lr in (1, 2):\n"
            "    m = tf.keras.Sequential([])\n"
            "for lr in (1, 2):\n    tf.keras.backend.clear_session()\n"
            "    m = tf.keras.Sequential([])\n");
    assert_int_equal(r.count, 2);
    assert_non_null(strstr(r.finding[0].what, "no tf.keras.backend.clear_session()"));
    assert_null(strstr(r.finding[1].what, "clear_session"));
    lint_result_free(&r);
}

static void environment_writes(void **state)
{
    (void)state;
    lint_result r;
    lint_as(&r, LINT_LANG_PYTHON, 4,
            "import os\nos.environ['OMP_NUM_THREADS'] = '4,4'\n"
            "os.putenv('LD_LIBRARY_PATH', 'lib:/usr/local/cuda/lib64/stubs')\n"
            "print(os.environ['LD_LIBRARY_PATH'])\n"
            "env = dict(os.environ, MKL_NUM_THREADS='2')\n");
    assert_int_equal(r.count, 2);
    assert_int_equal(r.finding[0].rule, LINT_PARALLELISM);
    assert_non_null(strstr(r.finding[0].what, "16 threads in all"));
    assert_int_equal(r.finding[1].rule, LINT_LIBPATH);
    assert_non_null(strstr(r.finding[1].what, "'lib' is relative"));
    assert_non_null(strstr(r.finding[1].what, "CUDA stubs directory"));
    lint_result_free(&r);
}

static void launchers(void **state)
{
    (void)state;
    lint_result r;
    lint_as(&r, LINT_LANG_SHELL, 4,
            "#!/bin/sh\n# OMP_NUM_THREADS=99 in a comment\n"
            "export OMP_NUM_THREADS=$(nproc) MKL_NUM_THREADS=8\n"
            "echo OMP_NUM_THREADS=64\n"
            "cd x && OPENBLAS_NUM_THREADS=\"12\" \\\n  LD_LIBRARY_PATH=/opt/lib python3 t.py\n");
    assert_int_equal(r.count, 3);
    assert_int_equal(r.finding[0].line, 3);
    assert_int_equal(r.finding[0].col, 33);
    assert_int_equal(r.finding[1].line, 5);
    assert_int_equal(r.finding[1].knob.value, 12);
    assert_int_equal(r.finding[2].rule, LINT_LIBPATH);
    assert_int_equal(r.finding[2].line, 6);
    assert_int_equal(r.finding[2].col, 3);
    lint_result_free(&r);
    lint_as(&r, LINT_LANG_DOCKERFILE, 4,
            "FROM debian\nENV OMP_NUM_THREADS 8\nENV A=1 TF_NUM_INTEROP_THREADS=6\n"
            "RUN OMP_NUM_THREADS=4 make\n");
    assert_int_equal(r.count, 2);
    assert_int_equal(r.finding[0].line, 2);
    assert_int_equal(r.finding[1].line, 3);
    lint_result_free(&r);
}

static void bad_text_is_a_note(void **state)
{
    (void)state;
    lint_host h = host_with(4);
    hml_err err = {0};
    lint_result r = {0};
    const char binary[] = "torch.set_num_threads(64)\0\1";
    assert_int_equal(lint_text("b.py", LINT_LANG_PYTHON, binary, sizeof binary - 1, &h, &r, &err),
                     HML_OK);
    const char latin1[] = "x = 1\n# caf\xe9\ntorch.set_num_threads(64)\n";
    assert_int_equal(lint_text("l.py", LINT_LANG_PYTHON, latin1, sizeof latin1 - 1, &h, &r, &err),
                     HML_OK);
    const char broken[] = "def f(:\n  pass\ntorch.set_num_threads(64)\n";
    assert_int_equal(lint_text("s.py", LINT_LANG_PYTHON, broken, sizeof broken - 1, &h, &r, &err),
                     HML_OK);
    assert_int_equal(r.note_count, 3);
    assert_true(r.note[0].skipped);
    assert_non_null(strstr(r.note[1].text, "byte 0xe9 at line 2"));
    assert_false(r.note[2].skipped);
    assert_int_equal(r.count, 1); /* the line after the syntax error */
    assert_string_equal(r.finding[0].path, "s.py");
    lint_result_free(&r);
}

static void confirm_copy_reads_the_placeholder(void **state)
{
    (void)state;
    char dir[] = "/tmp/hmlcost-lint-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char script[512];
    snprintf(script, sizeof script, "%s/train.py", dir);
    const char *src = "import torch\nTHREADS = 64\ntorch.set_num_threads(THREADS)\n";
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    fputs(src, f);
    fclose(f);
    lint_host h = host_with(2);
    hml_err err = {0};
    lint_result r = {0};
    const char *paths[] = {script};
    assert_int_equal(lint_paths(paths, 1, &h, &r, &err), HML_OK);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.finding[0].knob.line, 2);
    assert_int_equal(r.finding[0].knob.col, 11);
    lint_price p;
    lint_price_of(&r.finding[0], &p);
    assert_true(p.needs_copy);
    char workload[2048];
    assert_int_equal(lint_price_prepare(&r.finding[0], &p, dir, workload, sizeof workload, &err),
                     HML_OK);
    assert_non_null(strstr(workload, "HMLCOST_LINT_VALUE={threads} PYTHONPATH="));
    char copy[600];
    snprintf(copy, sizeof copy, "%s/parallelism.3.1.train.py", dir);
    f = fopen(copy, "r");
    assert_non_null(f);
    char text[512] = "";
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    assert_string_equal(text, "import torch\n"
                              "THREADS = int(__import__('os').environ['HMLCOST_LINT_VALUE'])\n"
                              "torch.set_num_threads(THREADS)\n");
    unlink(copy);
    unlink(script);
    rmdir(dir);
    lint_result_free(&r);
}

static void json_output(void **state)
{
    (void)state;
    lint_result r;
    lint_as(&r, LINT_LANG_PYTHON, 2, "torch.set_num_threads(3)\n");
    lint_host h = host_with(2);
    cJSON *j = lint_result_json(&r, &h, 5, NULL);
    assert_non_null(j);
    cJSON *list = cJSON_GetObjectItem(j, "findings");
    assert_int_equal(cJSON_GetArraySize(list), 1);
    cJSON *f = cJSON_GetArrayItem(list, 0);
    assert_string_equal(cJSON_GetObjectItem(f, "smell")->valuestring, "parallelism");
    assert_non_null(strstr(cJSON_GetObjectItem(f, "measure")->valuestring, "--smell-threads 3"));
    cJSON_Delete(j);
    lint_result_free(&r);
}

/* --format names a document; the user's --cpus and --max-batch replace the
 * probed values and are quoted as their source. */
static void formats_and_host_overrides(void **state)
{
    (void)state;
    lint_format f = LINT_FORMAT_TEXT;
    assert_true(lint_format_parse("sarif", &f));
    assert_int_equal(f, LINT_FORMAT_SARIF);
    assert_true(lint_format_parse("json", &f));
    assert_int_equal(f, LINT_FORMAT_JSON);
    assert_false(lint_format_parse("xml", &f));
    assert_false(lint_format_parse("JSON", &f));
    assert_int_equal(f, LINT_FORMAT_JSON);

    lint_result r;
    lint_as(&r, LINT_LANG_PYTHON, 2, "torch.set_num_threads(3)\n");
    lint_host h = host_with(2);
    assert_null(lint_result_document(LINT_FORMAT_TEXT, &r, &h, 5, NULL));
    cJSON *sarif = lint_result_document(LINT_FORMAT_SARIF, &r, &h, 5, NULL);
    assert_non_null(cJSON_GetObjectItem(sarif, "runs"));
    cJSON_Delete(sarif);
    cJSON *json = lint_result_document(LINT_FORMAT_JSON, &r, &h, 5, NULL);
    assert_non_null(cJSON_GetObjectItem(json, "findings"));
    cJSON_Delete(json);
    lint_result_free(&r);

    lint_host_override(&h, 0, 0);
    assert_int_equal(h.cpus, 2);
    assert_string_equal(h.cpus_source, "a fake host");
    lint_host_override(&h, 16, 0);
    assert_int_equal(h.cpus, 16);
    assert_string_equal(h.cpus_source, "--cpus 16");
    assert_int_equal(h.max_batch, 512);
    lint_host_override(&h, 0, 64);
    assert_int_equal(h.cpus, 16);
    assert_int_equal(h.max_batch, 64);
    assert_string_equal(h.max_batch_source, "--max-batch 64");
}

typedef struct lint_output {
    cJSON *(*make)(const lint_result *, const lint_host *, int, const char *const *);
    const lint_result *r;
    const lint_host *h;
} lint_output;

static bool output_made(void *arg)
{
    const lint_output *o = arg;
    cJSON *j = o->make(o->r, o->h, 5, NULL);
    cJSON_Delete(j);
    return j != NULL;
}

static void outputs_free_what_they_built_when_memory_runs_out(void **state)
{
    (void)state;
    lint_result r;
    lint_as(&r, LINT_LANG_PYTHON, 2, "torch.set_num_threads(3)\n");
    lint_host h = host_with(2);
    hml_err err = {0};
    static const char binary[] = "x\0y";
    assert_int_equal(lint_text("b.py", LINT_LANG_PYTHON, binary, sizeof binary - 1, &h, &r, &err),
                     HML_OK);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.note_count, 1);
    /* for every allocation: NULL, and nothing of it left allocated */
    cjson_alloc_sweep("lint_result_json", output_made, &(lint_output){lint_result_json, &r, &h});
    cjson_alloc_sweep("lint_result_sarif", output_made,
                      &(lint_output){lint_result_sarif, &r, &h});
    lint_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(threads_resolved_against_the_host),
        cmocka_unit_test(cpu_count_expressions),
        cmocka_unit_test(argparse_default_followed),
        cmocka_unit_test(assignments_and_parameters_followed),
        cmocka_unit_test(not_followed_is_not_flagged),
        cmocka_unit_test(learning_rate_that_follows),
        cmocka_unit_test(model_reuse_shapes),
        cmocka_unit_test(keras_without_clear_session),
        cmocka_unit_test(environment_writes),
        cmocka_unit_test(launchers),
        cmocka_unit_test(bad_text_is_a_note),
        cmocka_unit_test(confirm_copy_reads_the_placeholder),
        cmocka_unit_test(json_output),
        cmocka_unit_test(formats_and_host_overrides),
        cmocka_unit_test(outputs_free_what_they_built_when_memory_runs_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
