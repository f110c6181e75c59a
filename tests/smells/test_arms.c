/* The smell catalogue and the arm builder: each smell becomes the arm the
 * issue describes, options reach only the smells they belong to, and smells
 * that cannot reach a workload are refused with one clear line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cjson_alloc.h"
#include "smells/arms.h"
#include "smells/catalogue.h"
#include "smells/catalogue_json.h"
#include "smells/train_args.h"

/* ---- helpers ------------------------------------------------------------ */

static const char *env_of(const smell_arm *arm, const char *name)
{
    for (size_t i = 0; i < arm->env_count; i++)
        if (strcmp(arm->env[i].name, name) == 0)
            return arm->env[i].value;
    return NULL;
}

/* The arm's train arguments joined by spaces (static buffer). */
static const char *args_of(const smell_arm *arm)
{
    static char buf[1024];
    buf[0] = '\0';
    for (size_t i = 0; i < arm->argc; i++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? " " : "", arm->argv[i]);
    return buf;
}

static smell_request request(const char *smells)
{
    smell_request req = {.smells = smells, .libpath_entries = -1};
    return req;
}

static smell_workload train_workload(char **args, size_t n)
{
    smell_workload wl = {.train_args = args, .train_argc = n, .cpus = 2};
    return wl;
}

static hml_status build(const smell_request *req, const smell_workload *wl, smell_arms *arms,
                        hml_err *err)
{
    hml_err_clear(err);
    return smell_arms_build(req, wl, arms, err);
}

/* ---- catalogue ---------------------------------------------------------- */

static void catalogue_has_the_four_contract_ids_with_metrics(void **state)
{
    (void)state;
    size_t n;
    const smell_info *smells = smell_catalogue(&n);
    assert_int_equal(n, 4);
    const char *ids[] = {"model-reuse", "minibatch", "libpath", "parallelism"};
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(smells[i].id, ids[i]);
        assert_ptr_equal(smell_find(ids[i]), &smells[i]);
        assert_non_null(smells[i].metrics[0]);
        assert_true(strlen(smells[i].title) > 0 && strlen(smells[i].changes) > 0);
        /* A placeholder smell names its placeholder; an environment one none. */
        assert_true((smells[i].external == SMELL_EXTERNAL_PLACEHOLDER) ==
                    (smells[i].placeholder != NULL));
        /* Its default variant carries its id. */
        const smell_variant *v = smell_variant_find(ids[i]);
        assert_non_null(v);
        assert_true(v->is_default);
        assert_string_equal(v->smell, ids[i]);
    }
    assert_null(smell_find("nope"));
    assert_null(smell_find(NULL));
}

static void every_variant_belongs_to_a_smell(void **state)
{
    (void)state;
    size_t n;
    const smell_variant *v = smell_variants(&n);
    for (size_t i = 0; i < n; i++)
        assert_non_null(smell_find(v[i].smell));
}

/* ---- selection ---------------------------------------------------------- */

static void select_all_gives_default_variants_in_catalogue_order(void **state)
{
    (void)state;
    const smell_variant *out[16];
    size_t n;
    hml_err err;
    assert_int_equal(smell_select("parallelism,all,minibatch", false, out, &n, &err), HML_OK);
    /* Both faces of model-reuse: freed and kept. */
    assert_int_equal(n, 5);
    assert_string_equal(out[0]->name, "model-reuse");
    assert_string_equal(out[1]->name, "model-reuse-kept");
    assert_string_equal(out[2]->name, "minibatch");
    assert_string_equal(out[3]->name, "libpath");
    assert_string_equal(out[4]->name, "parallelism");

    /* --keep-stale-models turns the freed face into the kept one: one arm. */
    assert_int_equal(smell_select("all", true, out, &n, &err), HML_OK);
    assert_int_equal(n, 4);
    assert_string_equal(out[0]->name, "model-reuse-kept");

    assert_int_equal(smell_select("parallelism-nested,model-reuse", true, out, &n, &err), HML_OK);
    assert_int_equal(n, 2);
    assert_string_equal(out[0]->name, "model-reuse-kept");
    assert_string_equal(out[1]->name, "parallelism-nested");
}

static void select_refuses_unknown_and_empty_names(void **state)
{
    (void)state;
    const smell_variant *out[16];
    size_t n;
    hml_err err;
    assert_int_equal(smell_select("minibatch,frobnicate", false, out, &n, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "unknown smell 'frobnicate'"));
    assert_non_null(strstr(err.msg, "model-reuse"));
    assert_int_equal(smell_select("minibatch,,libpath", false, out, &n, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "empty name"));
    assert_int_equal(smell_select("", false, out, &n, &err), HML_EUSAGE);
    assert_int_equal(smell_select(NULL, false, out, &n, &err), HML_EUSAGE);
    char long_name[300];
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    assert_int_equal(smell_select(long_name, false, out, &n, &err), HML_EUSAGE);
}

/* ---- hmlcost train arms --------------------------------------------------- */

static void selected_asks_the_list_as_select_reads_it(void **state)
{
    (void)state;
    assert_true(smell_selected("all", false, "libpath"));
    assert_true(smell_selected("minibatch,libpath", false, "libpath"));
    assert_false(smell_selected("minibatch", false, "libpath"));
    assert_true(smell_selected("model-reuse", true, "model-reuse"));
    assert_false(smell_selected("nope,libpath", false, "libpath")); /* a bad list: none */
}

static void shared_baseline_all_smells_for_train(void **state)
{
    (void)state;
    char *args[] = {"--data", "synthetic", "--epochs", "1"};
    smell_request req = request("all");
    smell_workload wl = train_workload(args, 4);
    smell_arms arms;
    hml_err err;
    assert_int_equal(build(&req, &wl, &arms, &err), HML_OK);
    assert_int_equal(arms.count, 6);

    const smell_arm *base = &arms.arm[0];
    assert_string_equal(base->name, "baseline");
    assert_null(base->smell);
    assert_null(base->baseline);
    assert_int_equal(base->env_count, 0);
    assert_string_equal(args_of(base), "--data synthetic --epochs 1");
    assert_null(base->command);

    const smell_arm *reuse = smell_arms_find(&arms, "model-reuse");
    assert_non_null(reuse);
    assert_string_equal(reuse->smell->id, "model-reuse");
    assert_string_equal(reuse->baseline, "baseline");
    assert_string_equal(args_of(reuse), "--data synthetic --epochs 1 --model-builds 10");
    assert_int_equal(reuse->env_count, 0);
    const smell_arm *kept = smell_arms_find(&arms, "model-reuse-kept");
    assert_non_null(kept);
    assert_string_equal(kept->smell->id, "model-reuse");
    assert_string_equal(kept->baseline, "baseline");
    assert_string_equal(args_of(kept),
                        "--data synthetic --epochs 1 --model-builds 10 --keep-stale-models");

    const smell_arm *batch = smell_arms_find(&arms, "minibatch");
    assert_string_equal(args_of(batch), "--data synthetic --epochs 1 --batch 1024");
    assert_non_null(strstr(batch->treatment, "baseline 64"));

    const smell_arm *threads = smell_arms_find(&arms, "parallelism");
    assert_string_equal(args_of(threads), "--data synthetic --epochs 1 --threads 16");
    assert_string_equal(env_of(threads, "OMP_NUM_THREADS"), "16");

    const smell_arm *lib = smell_arms_find(&arms, "libpath");
    assert_string_equal(args_of(lib), "--data synthetic --epochs 1");
    const char *path = env_of(lib, "LD_LIBRARY_PATH");
    assert_non_null(path);
    /* 1000 non-existent entries, no empty entry (which would mean "."). */
    size_t entries = 1;
    for (const char *p = path; *p; p++)
        entries += *p == ':';
    assert_int_equal(entries, 1000);
    assert_true(strncmp(path, SMELL_LIBPATH_BOGUS_ROOT "/0001:", strlen(SMELL_LIBPATH_BOGUS_ROOT) + 6) == 0);
    assert_null(strstr(path, "::"));
    assert_true(path[strlen(path) - 1] != ':');
    smell_arms_free(&arms);
    assert_int_equal(arms.count, 0);
}

static void per_smell_baselines_pair_each_smell_with_its_own(void **state)
{
    (void)state;
    smell_request req = request("minibatch,parallelism");
    req.baseline = SMELL_BASELINE_PER_SMELL;
    smell_workload wl = train_workload(NULL, 0);
    smell_arms arms;
    hml_err err;
    assert_int_equal(build(&req, &wl, &arms, &err), HML_OK);
    assert_int_equal(arms.count, 4);
    assert_string_equal(arms.arm[0].name, "baseline-minibatch");
    assert_string_equal(arms.arm[1].name, "minibatch");
    assert_string_equal(arms.arm[1].baseline, "baseline-minibatch");
    assert_string_equal(arms.arm[2].name, "baseline-parallelism");
    assert_string_equal(arms.arm[3].name, "parallelism");
    assert_string_equal(arms.arm[3].baseline, "baseline-parallelism");
    assert_string_equal(args_of(&arms.arm[2]), "");
    smell_arms_free(&arms);
}

static void treatments_are_relative_to_the_users_arguments(void **state)
{
    (void)state;
    /* The user's --batch 32 and --threads=1 are the baseline; the smell arms
     * replace them rather than appending a second copy. */
    char *args[] = {"--batch", "32", "--threads=1", "--seed", "7"};
    smell_request req = request("minibatch,parallelism");
    smell_workload wl = train_workload(args, 5);
    wl.cpus = 4;
    smell_arms arms;
    hml_err err;
    assert_int_equal(build(&req, &wl, &arms, &err), HML_OK);
    assert_string_equal(args_of(smell_arms_find(&arms, "minibatch")),
                        "--threads=1 --seed 7 --batch 512");
    assert_string_equal(args_of(smell_arms_find(&arms, "parallelism")),
                        "--batch 32 --seed 7 --threads 32");
    smell_arms_free(&arms);

    req = request("minibatch,parallelism,model-reuse");
    req.smell_batch = 100;
    req.smell_threads = 3;
    req.model_builds = 4;
    req.keep_stale_models = true;
    assert_int_equal(build(&req, &wl, &arms, &err), HML_OK);
    assert_string_equal(args_of(smell_arms_find(&arms, "minibatch")),
                        "--threads=1 --seed 7 --batch 100");
    assert_string_equal(env_of(smell_arms_find(&arms, "parallelism"), "OMP_NUM_THREADS"), "3");
    assert_null(smell_arms_find(&arms, "model-reuse"));
    const smell_arm *kept = smell_arms_find(&arms, "model-reuse-kept");
    assert_non_null(kept);
    assert_string_equal(args_of(kept),
                        "--batch 32 --threads=1 --seed 7 --model-builds 4 --keep-stale-models");
    smell_arms_free(&arms);
}

static void nested_parallelism_sets_two_levels(void **state)
{
    (void)state;
    smell_request req = request("parallelism-nested");
    smell_workload wl = train_workload(NULL, 0);
    smell_arms arms;
    hml_err err;
    assert_int_equal(build(&req, &wl, &arms, &err), HML_OK);
    const smell_arm *arm = smell_arms_find(&arms, "parallelism-nested");
    assert_string_equal(env_of(arm, "OMP_NUM_THREADS"), "16,16");
    assert_string_equal(env_of(arm, "OMP_MAX_ACTIVE_LEVELS"), "2");
    assert_string_equal(args_of(arm), "--threads 16");
    smell_arms_free(&arms);
}

static void libpath_keeps_the_existing_path_last_and_adds_user_dirs(void **state)
{
    (void)state;
    smell_request req = request("libpath");
    req.libpath_entries = 3;
    req.libpath_dirs = "/usr/lib/x86_64-linux-gnu/blas:/opt/cuda-11/lib64";
    smell_workload wl = train_workload(NULL, 0);
    wl.ld_library_path = "/opt/mine/lib";
    smell_arms arms;
    hml_err err;
    assert_int_equal(build(&req, &wl, &arms, &err), HML_OK);
    assert_string_equal(env_of(smell_arms_find(&arms, "libpath"), "LD_LIBRARY_PATH"),
                        SMELL_LIBPATH_BOGUS_ROOT "/0001:" SMELL_LIBPATH_BOGUS_ROOT
                        "/0002:" SMELL_LIBPATH_BOGUS_ROOT "/0003:"
                        "/usr/lib/x86_64-linux-gnu/blas:/opt/cuda-11/lib64:/opt/mine/lib");
    smell_arms_free(&arms);

    /* Only user directories; an empty existing value adds no empty entry. */
    req.libpath_entries = 0;
    req.libpath_dirs = "/a";
    wl.ld_library_path = "";
    assert_int_equal(build(&req, &wl, &arms, &err), HML_OK);
    assert_string_equal(env_of(smell_arms_find(&arms, "libpath"), "LD_LIBRARY_PATH"), "/a");
    smell_arms_free(&arms);
}

static void libpath_refuses_empty_entries_and_oversized_values(void **state)
{
    (void)state;
    smell_request req = request("libpath");
    smell_workload wl = train_workload(NULL, 0);
    smell_arms arms;
    hml_err err;
    const char *bad[] = {"/a::/b", ":/a", "/a:", ":"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        req.libpath_dirs = bad[i];
        assert_int_equal(build(&req, &wl, &arms, &err), HML_EUSAGE);
        assert_non_null(strstr(err.msg, "empty entry"));
        assert_int_equal(arms.count, 0);
    }
    req.libpath_dirs = NULL;
    req.libpath_entries = 0;
    assert_int_equal(build(&req, &wl, &arms, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "nothing to inject"));
    req.libpath_entries = 3000;
    char *huge = malloc(100001);
    memset(huge, 'a', 100000);
    huge[0] = '/';
    huge[100000] = '\0';
    wl.ld_library_path = huge;
    assert_int_equal(build(&req, &wl, &arms, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "limit"));
    free(huge);
    req.libpath_entries = 3001;
    wl.ld_library_path = NULL;
    assert_int_equal(build(&req, &wl, &arms, &err), HML_EUSAGE);
}

static void options_for_unselected_smells_are_refused(void **state)
{
    (void)state;
    smell_workload wl = train_workload(NULL, 0);
    smell_arms arms;
    hml_err err;
    smell_request req = request("libpath");
    req.smell_batch = 512;
    assert_int_equal(build(&req, &wl, &arms, &err), HML_EUSAGE);
    assert_string_equal(err.msg, "--smell-batch: only applies to the minibatch smell, which is "
                                 "not selected");
    req = request("libpath");
    req.keep_stale_models = true;
    assert_int_equal(build(&req, &wl, &arms, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "--keep-stale-models"));
    req = request("minibatch");
    req.smell_threads = 8;
    assert_int_equal(build(&req, &wl, &arms, &err), HML_EUSAGE);
    req = request("minibatch");
    req.libpath_dirs = "/x";
    assert_int_equal(build(&req, &wl, &arms, &err), HML_EUSAGE);
    req = request("minibatch");
    req.baseline_batch = 32;
    assert_int_equal(build(&req, &wl, &arms, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "--baseline-batch"));
}

static void treatments_equal_to_the_baseline_are_refused(void **state)
{
    (void)state;
    char *args[] = {"--batch", "128", "--threads", "8"};
    smell_workload wl = train_workload(args, 4);
    smell_arms arms;
    hml_err err;
    smell_request req = request("minibatch");
    req.smell_batch = 128;
    assert_int_equal(build(&req, &wl, &arms, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "would not differ"));
    req = request("parallelism");
    req.smell_threads = 8;
    assert_int_equal(build(&req, &wl, &arms, &err), HML_EUSAGE);
    req = request("model-reuse");
    req.model_builds = 1;
    assert_int_equal(build(&req, &wl, &arms, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "1 is the baseline"));

    /* A baseline that already carries the smell is no baseline. */
    char *smelly[] = {"--model-builds=3"};
    wl = train_workload(smelly, 1);
    req = request("model-reuse");
    assert_int_equal(build(&req, &wl, &arms, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "already hold --model-builds"));
    char *malformed[] = {"--batch", "lots"};
    wl = train_workload(malformed, 2);
    req = request("minibatch");
    assert_int_equal(build(&req, &wl, &arms, &err), HML_EUSAGE);
    assert_string_equal(err.msg, "train arguments: --batch: 'lots' is not an integer");
    char *dangling[] = {"--epochs", "1", "--threads"};
    wl = train_workload(dangling, 3);
    req = request("parallelism");
    assert_int_equal(build(&req, &wl, &arms, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "expected a value"));
}

/* ---- external commands ---------------------------------------------------- */

static void command_placeholders_are_filled_per_arm(void **state)
{
    (void)state;
    smell_request req = request("all");
    req.baseline_batch = 32;
    smell_workload wl = {.command = "python3 train.py --batch {batch} --builds {model_builds} "
                                    "-j {threads} --keep {other}",
                         .cpus = 2};
    smell_arms arms;
    hml_err err;
    assert_int_equal(build(&req, &wl, &arms, &err), HML_OK);
    /* "all" for a command: the arms a command can take (no model-reuse-kept,
     * a switch of hmlcost train). */
    assert_int_equal(arms.count, 5);
    assert_null(smell_arms_find(&arms, "model-reuse-kept"));
    for (size_t i = 0; i < arms.count; i++) {
        assert_null(arms.arm[i].argv);
        assert_non_null(arms.arm[i].command);
    }
    assert_string_equal(smell_arms_find(&arms, "baseline")->command,
                        "python3 train.py --batch 32 --builds 1 -j 2 --keep {other}");
    assert_string_equal(smell_arms_find(&arms, "minibatch")->command,
                        "python3 train.py --batch 512 --builds 1 -j 2 --keep {other}");
    assert_string_equal(smell_arms_find(&arms, "model-reuse")->command,
                        "python3 train.py --batch 32 --builds 10 -j 2 --keep {other}");
    const smell_arm *par = smell_arms_find(&arms, "parallelism");
    assert_string_equal(par->command,
                        "python3 train.py --batch 32 --builds 1 -j 16 --keep {other}");
    assert_string_equal(env_of(par, "OMP_NUM_THREADS"), "16");
    assert_string_equal(env_of(par, "OPENBLAS_NUM_THREADS"), "16");
    assert_string_equal(env_of(par, "MKL_NUM_THREADS"), "16");
    assert_string_equal(env_of(par, "TF_NUM_INTRAOP_THREADS"), "16");
    assert_non_null(env_of(smell_arms_find(&arms, "libpath"), "LD_LIBRARY_PATH"));
    smell_arms_free(&arms);
}

static void smells_that_cannot_reach_a_command_are_refused(void **state)
{
    (void)state;
    smell_workload wl = {.command = "./train.sh --batch 64", .cpus = 2};
    smell_arms arms;
    hml_err err;
    smell_request req = request("parallelism,libpath,minibatch");
    assert_int_equal(build(&req, &wl, &arms, &err), HML_EUSAGE);
    assert_string_equal(err.msg, "--smell minibatch: cannot apply to the --workload command: it "
                                 "has no {batch} placeholder for hmlcost to set (e.g. '... "
                                 "--batch {batch}')");
    req = request("all");
    assert_int_equal(build(&req, &wl, &arms, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "{model_builds}"));
    /* Asked for by name (or by --keep-stale-models), the kept face is refused. */
    req = request("model-reuse-kept");
    wl.command = "./train.sh --builds {model_builds}";
    assert_int_equal(build(&req, &wl, &arms, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "model-reuse-kept: cannot apply"));
    req = request("all,model-reuse-kept");
    wl.command = "./train.sh --batch {batch} --builds {model_builds}";
    assert_int_equal(build(&req, &wl, &arms, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "model-reuse-kept: cannot apply"));
    req = request("model-reuse");
    req.keep_stale_models = true;
    assert_int_equal(build(&req, &wl, &arms, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "model-reuse-kept: cannot apply"));

    /* The environment smells reach any command. */
    req = request("parallelism,libpath");
    wl.command = "./train.sh";
    assert_int_equal(build(&req, &wl, &arms, &err), HML_OK);
    assert_int_equal(arms.count, 3);
    assert_string_equal(arms.arm[0].command, "./train.sh");
    smell_arms_free(&arms);

    wl.command = "";
    assert_int_equal(build(&req, &wl, &arms, &err), HML_EUSAGE);
}

/* ---- train argument helpers ---------------------------------------------- */

static void train_args_read_the_last_value_in_either_spelling(void **state)
{
    (void)state;
    char *args[] = {"--batch", "8", "--batchy", "9", "--batch=16", "--epochs", "2"};
    const char *value;
    hml_err err;
    assert_int_equal(train_args_value(args, 7, "--batch", &value, &err), HML_OK);
    assert_string_equal(value, "16");
    long n;
    assert_int_equal(train_args_long(args, 7, "--epochs", 1, 10, 5, &n, &err), HML_OK);
    assert_int_equal(n, 2);
    assert_int_equal(train_args_long(args, 7, "--seed", 0, 10, 5, &n, &err), HML_OK);
    assert_int_equal(n, 5);
    assert_int_equal(train_args_long(args, 7, "--epochs", 3, 10, 5, &n, &err), HML_EUSAGE);
    char **out;
    size_t argc;
    assert_int_equal(train_args_with(args, 7, "--batch", "4", &out, &argc, &err), HML_OK);
    assert_int_equal(argc, 6);
    assert_string_equal(out[0], "--batchy");
    assert_string_equal(out[4], "--batch");
    assert_string_equal(out[5], "4");
    train_args_free(out, argc);
}

static bool catalogue_made(void *arg)
{
    (void)arg;
    cJSON *j = smell_catalogue_json();
    cJSON_Delete(j);
    return j != NULL;
}

/* `hmlcost smells --json` when memory runs out (cjson_alloc_sweep): NULL,
 * never part of the catalogue, nothing left allocated. */
static void catalogue_json_is_whole_or_null(void **state)
{
    (void)state;
    cjson_alloc_sweep("smell_catalogue_json", catalogue_made, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(catalogue_has_the_four_contract_ids_with_metrics),
        cmocka_unit_test(every_variant_belongs_to_a_smell),
        cmocka_unit_test(catalogue_json_is_whole_or_null),
        cmocka_unit_test(select_all_gives_default_variants_in_catalogue_order),
        cmocka_unit_test(select_refuses_unknown_and_empty_names),
        cmocka_unit_test(selected_asks_the_list_as_select_reads_it),
        cmocka_unit_test(shared_baseline_all_smells_for_train),
        cmocka_unit_test(per_smell_baselines_pair_each_smell_with_its_own),
        cmocka_unit_test(treatments_are_relative_to_the_users_arguments),
        cmocka_unit_test(nested_parallelism_sets_two_levels),
        cmocka_unit_test(libpath_keeps_the_existing_path_last_and_adds_user_dirs),
        cmocka_unit_test(libpath_refuses_empty_entries_and_oversized_values),
        cmocka_unit_test(options_for_unselected_smells_are_refused),
        cmocka_unit_test(treatments_equal_to_the_baseline_are_refused),
        cmocka_unit_test(command_placeholders_are_filled_per_arm),
        cmocka_unit_test(smells_that_cannot_reach_a_command_are_refused),
        cmocka_unit_test(train_args_read_the_last_value_in_either_spelling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
