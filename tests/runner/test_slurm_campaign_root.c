/* Where a Slurm campaign keeps its files, which the tasks read from other
 * nodes: always an absolute path, by default beside the store. Needs no
 * Slurm. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runner/slurm_campaign.h"

static void the_default_sits_beside_the_store(void **state)
{
    (void)state;
    char root[PATH_MAX + 64];
    hml_err err;
    assert_int_equal(slurm_campaign_root(NULL, "/data/study.db", root, sizeof root, &err), HML_OK);
    assert_string_equal(root, "/data/study.db.campaigns");
}

static void relative_paths_are_made_absolute(void **state)
{
    (void)state;
    char cwd[PATH_MAX], expected[PATH_MAX + 64], root[PATH_MAX + 64];
    assert_non_null(getcwd(cwd, sizeof cwd));
    hml_err err;
    assert_int_equal(slurm_campaign_root(NULL, "study.db", root, sizeof root, &err), HML_OK);
    snprintf(expected, sizeof expected, "%s/study.db.campaigns", cwd);
    assert_string_equal(root, expected);
    assert_int_equal(slurm_campaign_root("camp", "study.db", root, sizeof root, &err), HML_OK);
    snprintf(expected, sizeof expected, "%s/camp", cwd);
    assert_string_equal(root, expected);
}

static void an_absolute_directory_is_kept_as_given(void **state)
{
    (void)state;
    char root[PATH_MAX + 64];
    hml_err err;
    assert_int_equal(slurm_campaign_root("/shared/campaigns", "study.db", root, sizeof root, &err),
                     HML_OK);
    assert_string_equal(root, "/shared/campaigns");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_default_sits_beside_the_store),
        cmocka_unit_test(relative_paths_are_made_absolute),
        cmocka_unit_test(an_absolute_directory_is_kept_as_given),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
