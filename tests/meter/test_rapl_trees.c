/* RAPL over fake trees shaped like the real ones: an Intel package with its
 * DRAM domain, an AMD two-socket machine with core domains, a multi-die
 * package whose dies mirror one counter (AMD) or have their own (Intel), a
 * domain reached twice through a symlink, and the amd_energy hwmon driver. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meter/fake_tree.h"
#include "meter/rapl.h"

#define near(a, b) assert_true((a) > (b) - 1e-9 && (a) < (b) + 1e-9)

/* root/<id> with name, max_energy_range_uj and energy_uj. */
static void add_domain(const char *root, const char *id, const char *name, const char *energy_uj)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", root, id);
    assert_int_equal(mkdir(dir, 0755), 0);
    fake_tree_write(dir, "name", name);
    fake_tree_write(dir, "max_energy_range_uj", "262143328850");
    fake_tree_write(dir, "energy_uj", energy_uj);
}

static void set_counter(const char *root, const char *id, const char *value)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", root, id);
    fake_tree_write(dir, "energy_uj", value);
}

/* Opens root, starts, moves each listed counter by its delta, polls. */
static void measure(const char *root, const char *const (*moves)[2], size_t n, double *package_j,
                    double *dram_j, meter_rapl *r)
{
    char why[256] = "";
    assert_true(meter_rapl_open(r, root, why, sizeof why));
    meter_rapl_start(r);
    for (size_t i = 0; i < n; i++)
        set_counter(root, moves[i][0], moves[i][1]);
    meter_rapl_poll(r);
    meter_rapl_totals(r, package_j, dram_j);
}

static void intel_package_and_dram_are_summed_apart(void **state)
{
    (void)state;
    char root[] = "/tmp/hmlcost-rapl-XXXXXX";
    assert_non_null(mkdtemp(root));
    add_domain(root, "intel-rapl:0", "package-0", "5000000");
    add_domain(root, "intel-rapl:0:0", "core", "3000000");
    add_domain(root, "intel-rapl:0:1", "uncore", "100");
    add_domain(root, "intel-rapl:0:2", "dram", "7000000");
    add_domain(root, "intel-rapl-mmio:0", "package-0", "5000000"); /* the same package via MMIO */
    const char *const moves[][2] = {{"intel-rapl:0", "8000000"},   /* +3 J */
                                    {"intel-rapl:0:0", "5000000"}, /* part of the package */
                                    {"intel-rapl:0:2", "8500000"}, /* +1.5 J */
                                    {"intel-rapl-mmio:0", "8000000"}};
    meter_rapl r;
    double package_j, dram_j;
    measure(root, moves, 4, &package_j, &dram_j, &r);
    assert_int_equal(r.count, 4);
    assert_string_equal(r.source, "powercap");
    near(package_j, 3.0);
    near(dram_j, 1.5);
    meter_rapl_close(&r);
    fake_tree_remove(root);
}

static void amd_two_sockets_count_each_package_once(void **state)
{
    (void)state;
    char root[] = "/tmp/hmlcost-rapl-XXXXXX";
    assert_non_null(mkdtemp(root));
    /* AMD Zen: package and core domains, no DRAM. */
    add_domain(root, "intel-rapl:0", "package-0", "100000000");
    add_domain(root, "intel-rapl:0:0", "core", "40000000");
    add_domain(root, "intel-rapl:1", "package-1", "250000000");
    add_domain(root, "intel-rapl:1:0", "core", "60000000");
    const char *const moves[][2] = {{"intel-rapl:0", "110000000"}, /* +10 J */
                                    {"intel-rapl:0:0", "48000000"},
                                    {"intel-rapl:1", "262000000"}, /* +12 J */
                                    {"intel-rapl:1:0", "70000000"}};
    meter_rapl r;
    double package_j, dram_j;
    measure(root, moves, 4, &package_j, &dram_j, &r);
    near(package_j, 22.0);
    assert_true(dram_j < 0); /* none */
    assert_int_equal(r.mirrors, 0);
    meter_rapl_close(&r);
    fake_tree_remove(root);
}

static void mirrored_die_domains_are_one_counter(void **state)
{
    (void)state;
    char root[] = "/tmp/hmlcost-rapl-XXXXXX";
    assert_non_null(mkdtemp(root));
    /* A Threadripper: two die domains reading the socket's one counter. */
    add_domain(root, "intel-rapl:0", "package-0-die-0", "68000000000");
    add_domain(root, "intel-rapl:1", "package-0-die-1", "68000000050");
    const char *const moves[][2] = {{"intel-rapl:0", "68068000000"}, /* +68 J */
                                    {"intel-rapl:1", "68068000050"}};
    meter_rapl r;
    double package_j, dram_j;
    measure(root, moves, 2, &package_j, &dram_j, &r);
    near(package_j, 68.0); /* not 136 */
    assert_int_equal(r.mirrors, 1);
    assert_int_equal(r.domains[1].kind, RAPL_MIRROR);
    meter_rapl_close(&r);
    fake_tree_remove(root);
}

static void distinct_die_counters_are_summed(void **state)
{
    (void)state;
    char root[] = "/tmp/hmlcost-rapl-XXXXXX";
    assert_non_null(mkdtemp(root));
    /* Dies with their own counters have accumulated different energies. */
    add_domain(root, "intel-rapl:0", "package-0-die-0", "68000000000");
    add_domain(root, "intel-rapl:1", "package-0-die-1", "71500000000");
    const char *const moves[][2] = {{"intel-rapl:0", "68030000000"}, /* +30 J */
                                    {"intel-rapl:1", "71540000000"}}; /* +40 J */
    meter_rapl r;
    double package_j, dram_j;
    measure(root, moves, 2, &package_j, &dram_j, &r);
    near(package_j, 70.0);
    assert_int_equal(r.mirrors, 0);
    meter_rapl_close(&r);
    fake_tree_remove(root);
}

static void a_domain_reached_twice_is_counted_once(void **state)
{
    (void)state;
    char root[] = "/tmp/hmlcost-rapl-XXXXXX";
    assert_non_null(mkdtemp(root));
    add_domain(root, "intel-rapl:0", "package-0", "1000000");
    char target[512], link[512];
    snprintf(target, sizeof target, "%s/intel-rapl:0", root);
    snprintf(link, sizeof link, "%s/intel-rapl:9", root);
    assert_int_equal(symlink(target, link), 0);
    const char *const moves[][2] = {{"intel-rapl:0", "3000000"}};
    meter_rapl r;
    double package_j, dram_j;
    measure(root, moves, 1, &package_j, &dram_j, &r);
    assert_int_equal(r.count, 1);
    near(package_j, 2.0);
    meter_rapl_close(&r);
    fake_tree_remove(root);
}

static void amd_energy_hwmon_sums_sockets_not_cores(void **state)
{
    (void)state;
    char root[] = "/tmp/hmlcost-hwmon-XXXXXX";
    assert_non_null(mkdtemp(root));
    char dir[512];
    snprintf(dir, sizeof dir, "%s/hwmon0", root);
    assert_int_equal(mkdir(dir, 0755), 0);
    fake_tree_write(dir, "name", "k10temp");
    fake_tree_write(dir, "temp1_input", "40000");
    snprintf(dir, sizeof dir, "%s/hwmon3", root);
    assert_int_equal(mkdir(dir, 0755), 0);
    fake_tree_write(dir, "name", "amd_energy");
    const char *labels[] = {"Ecore000", "Ecore001", "Esocket0", "Esocket1"};
    for (int i = 0; i < 4; i++) {
        char file[32];
        snprintf(file, sizeof file, "energy%d_label", i + 1);
        fake_tree_write(dir, file, labels[i]);
        snprintf(file, sizeof file, "energy%d_input", i + 1);
        fake_tree_write(dir, file, "1000000");
    }
    meter_rapl r;
    char why[256] = "";
    assert_true(meter_rapl_open_amd_energy(&r, root, why, sizeof why));
    assert_string_equal(r.source, "amd_energy");
    assert_int_equal(r.count, 4);
    meter_rapl_start(&r);
    fake_tree_write(dir, "energy1_input", "9000000");
    fake_tree_write(dir, "energy3_input", "6000000"); /* +5 J */
    fake_tree_write(dir, "energy4_input", "3000000"); /* +2 J */
    meter_rapl_poll(&r);
    double package_j, dram_j;
    meter_rapl_totals(&r, &package_j, &dram_j);
    near(package_j, 7.0);
    assert_true(dram_j < 0);
    meter_rapl_close(&r);
    /* No amd_energy directory: says so. */
    fake_tree_write(dir, "name", "nct6775");
    assert_false(meter_rapl_open_amd_energy(&r, root, why, sizeof why));
    assert_non_null(strstr(why, "amd_energy: no readable Esocket package domain"));
    fake_tree_remove(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(intel_package_and_dram_are_summed_apart),
        cmocka_unit_test(amd_two_sockets_count_each_package_once),
        cmocka_unit_test(mirrored_die_domains_are_one_counter),
        cmocka_unit_test(distinct_die_counters_are_summed),
        cmocka_unit_test(a_domain_reached_twice_is_counted_once),
        cmocka_unit_test(amd_energy_hwmon_sums_sockets_not_cores),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
