/* The one limit on each kind of name (common/name_limits.h): a name that
 * fits is kept whole where it is given (a plan, a CSV) and where it is kept
 * (a report's dataset); one byte longer is refused where it is given. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/name_limits.h"
#include "report/dataset.h"
#include "report/load_csv.h"
#include "runner/plan.h"

static void name_of(char *buf, size_t len, char c)
{
    memset(buf, c, len);
    buf[len] = '\0';
}

static void a_plan_keeps_names_that_fit_and_refuses_longer(void **state)
{
    (void)state;
    char fits[ARM_NAME_MAX + 2], longer[ARM_NAME_MAX + 2];
    name_of(fits, ARM_NAME_MAX, 'a');
    name_of(longer, ARM_NAME_MAX + 1, 'b');
    plan p;
    plan_init(&p);
    plan_arm *arm;
    hml_err err;
    assert_int_equal(plan_add_arm(&p, fits, &arm, &err), HML_OK);
    assert_string_equal(arm->name, fits);
    assert_int_equal(plan_add_arm(&p, longer, &arm, &err), HML_EUSAGE);

    char label[EXPERIMENT_NAME_MAX + 2];
    name_of(label, EXPERIMENT_NAME_MAX, 'x');
    assert_int_equal(plan_set_name(&p, label, &err), HML_OK);
    assert_string_equal(p.name, label);
    name_of(label, EXPERIMENT_NAME_MAX + 1, 'x');
    assert_int_equal(plan_set_name(&p, label, &err), HML_EUSAGE);
    plan_free(&p);
}

static void a_dataset_keeps_the_longest_names_whole(void **state)
{
    (void)state;
    report_dataset d = {0};
    char fits[ARM_NAME_MAX + 1];
    name_of(fits, ARM_NAME_MAX, 'z');
    report_arm *arm = report_dataset_add_arm(&d, fits);
    assert_non_null(arm);
    assert_string_equal(arm->name, fits);
    assert_true(sizeof arm->name > ARM_NAME_MAX);
    assert_true(sizeof arm->smell > ARM_NAME_MAX && sizeof arm->baseline > ARM_NAME_MAX);
    assert_true(sizeof d.name > EXPERIMENT_NAME_MAX);
    report_dataset_free(&d);
}

static hml_status load_csv_with_arm(const char *arm, report_dataset *d, hml_err *err)
{
    char path[] = "/tmp/hmlcost-names-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *out = fdopen(fd, "w");
    assert_non_null(out);
    fprintf(out, "arm,baseline,duration\n");
    for (int i = 0; i < 2; i++)
        fprintf(out, "base,base,1.%d\n%s,base,2.%d\n", i, arm, i);
    fclose(out);
    report_csv_options o = {0};
    hml_status st = report_load_csv(path, &o, d, err);
    unlink(path);
    return st;
}

static void a_csv_keeps_names_that_fit_and_refuses_longer(void **state)
{
    (void)state;
    char fits[ARM_NAME_MAX + 2];
    name_of(fits, ARM_NAME_MAX, 'q');
    report_dataset d;
    hml_err err;
    assert_int_equal(load_csv_with_arm(fits, &d, &err), HML_OK);
    assert_non_null(report_dataset_find_arm(&d, fits));
    report_dataset_free(&d);
    name_of(fits, ARM_NAME_MAX + 1, 'q');
    assert_int_equal(load_csv_with_arm(fits, &d, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "is longer than 64 characters"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_plan_keeps_names_that_fit_and_refuses_longer),
        cmocka_unit_test(a_dataset_keeps_the_longest_names_whole),
        cmocka_unit_test(a_csv_keeps_names_that_fit_and_refuses_longer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
