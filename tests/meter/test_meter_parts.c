/* The meter's parts in isolation: RAPL over a fake powercap tree (with a
 * wrap-around), NVML absent, the RAM estimate, the carbon table, /proc sampling. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meter/carbon.h"
#include "meter/estimate.h"
#include "meter/nvml.h"
#include "meter/proctree.h"
#include "meter/rapl.h"

static void write_text(const char *dir, const char *file, const char *text)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* root/intel-rapl:0 (package-0), root/intel-rapl:0:0 (dram), and a core
 * part and a psys domain that must not be added to the totals. */
static void make_fake_tree(const char *root)
{
    const char *domains[][3] = {{"intel-rapl:0", "package-0", "1000000"},
                                {"intel-rapl:0:0", "dram", "500000"},
                                {"intel-rapl:0:1", "core", "1000000"},
                                {"intel-rapl:1", "psys", "1000000"}};
    for (size_t i = 0; i < 4; i++) {
        char dir[512];
        snprintf(dir, sizeof dir, "%s/%s", root, domains[i][0]);
        assert_int_equal(mkdir(dir, 0755), 0);
        write_text(dir, "name", domains[i][1]);
        write_text(dir, "max_energy_range_uj", domains[i][2]);
        write_text(dir, "energy_uj", "0");
    }
    char dir[512];
    snprintf(dir, sizeof dir, "%s/intel-rapl:0", root);
    write_text(dir, "energy_uj", "900000");
}

static void set_counter(const char *root, const char *domain, const char *value)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", root, domain);
    write_text(dir, "energy_uj", value);
}

static void rapl_counts_exact_joules_across_a_wraparound(void **state)
{
    (void)state;
    char root[] = "/tmp/hmlcost-rapl-XXXXXX";
    assert_non_null(mkdtemp(root));
    make_fake_tree(root);
    meter_rapl r;
    char why[256] = "";
    assert_true(meter_rapl_open(&r, root, why, sizeof why));
    assert_int_equal(r.count, 4);
    meter_rapl_start(&r);
    set_counter(root, "intel-rapl:0", "990000");
    set_counter(root, "intel-rapl:0:0", "499000");
    set_counter(root, "intel-rapl:0:1", "777");
    meter_rapl_poll(&r);
    set_counter(root, "intel-rapl:0", "100000"); /* wrapped: +10000 +100000 */
    set_counter(root, "intel-rapl:0:0", "1000");  /* wrapped: +1000 +1000 */
    meter_rapl_poll(&r);
    set_counter(root, "intel-rapl:0", "300000");
    meter_rapl_poll(&r);
    double package_j = 0, dram_j = 0;
    meter_rapl_totals(&r, &package_j, &dram_j);
    /* 90000 + 110000 + 200000 uJ */
    assert_true(package_j > 0.4 - 1e-12 && package_j < 0.4 + 1e-12);
    /* 499000 + 2000 uJ */
    assert_true(dram_j > 0.501 - 1e-12 && dram_j < 0.501 + 1e-12);
    meter_rapl_close(&r);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

static void rapl_without_domains_says_why(void **state)
{
    (void)state;
    meter_rapl r;
    char why[256] = "";
    assert_false(meter_rapl_open(&r, "/nonexistent/powercap", why, sizeof why));
    assert_non_null(strstr(why, "rapl: /nonexistent/powercap"));
    char root[] = "/tmp/hmlcost-rapl-XXXXXX";
    assert_non_null(mkdtemp(root));
    assert_false(meter_rapl_open(&r, root, why, sizeof why));
    assert_non_null(strstr(why, "no readable intel-rapl package domain"));
    rmdir(root);
}

static void nvml_that_cannot_load_says_so(void **state)
{
    (void)state;
    char why[256] = "";
    setenv(METER_NVML_LIBRARY_ENV, "/nonexistent/libnvidia-ml.so.1", 1);
    assert_null(meter_nvml_open(why, sizeof why));
    assert_non_null(strstr(why, "nvml: cannot load /nonexistent/libnvidia-ml.so.1"));
    /* A library without NVML's symbols is refused, not called. */
    setenv(METER_NVML_LIBRARY_ENV, "libc.so.6", 1);
    assert_null(meter_nvml_open(why, sizeof why));
    assert_non_null(strstr(why, "lacks nvmlInit_v2"));
    char model[64] = "x";
    meter_nvml_gpu_model(model, sizeof model);
    assert_string_equal(model, "");
    unsetenv(METER_NVML_LIBRARY_ENV);
}

static void the_ram_estimate_uses_codecarbons_constant(void **state)
{
    (void)state;
    char method[128];
    const double gib = 1024.0 * 1024.0 * 1024.0;
    /* 1 GiB held for 2 s, then 3 GiB for 1 s: 5 GiB*s x 0.375 W/GiB. */
    meter_sample samples[] = {{.t_s = 1.0, .rss_bytes = gib},
                              {.t_s = 2.0, .rss_bytes = gib},
                              {.t_s = 2.5, .rss_bytes = 3 * gib}};
    double j = estimate_ram_joules(samples, 3, 3.0, 3 * gib, method, sizeof method);
    assert_string_equal(method, "estimate:ram-0.375W-per-GiB");
    assert_true(j > 1.875 - 1e-12 && j < 1.875 + 1e-12);
    /* No samples: peak x wall. */
    j = estimate_ram_joules(NULL, 0, 2.0, 2 * gib, method, sizeof method);
    assert_true(j > 1.5 - 1e-12 && j < 1.5 + 1e-12);
}

static void the_carbon_table_knows_countries_and_cites_them(void **state)
{
    (void)state;
    assert_true(carbon_table_size > 200);
    for (size_t i = 1; i < carbon_table_size; i++)
        assert_true(strcmp(carbon_table[i - 1].iso3, carbon_table[i].iso3) < 0);
    const carbon_country *fra = carbon_find_country("fra");
    assert_non_null(fra);
    assert_string_equal(fra->name, "France");
    double g = 0;
    char source[128];
    hml_err err;
    assert_int_equal(carbon_country_intensity("DEU", &g, source, sizeof source, &err), HML_OK);
    assert_true(g > 0);
    assert_non_null(strstr(source, "Our World in Data"));
    assert_int_equal(carbon_country_intensity("XXX", &g, source, sizeof source, &err),
                     HML_EUSAGE);
    assert_non_null(strstr(err.msg, "unknown country code 'XXX'"));
    assert_null(carbon_find_country("FRANCE"));
    assert_true(carbon_co2_g(2.0, 1.5, 100) == 300.0);
}

static void proctree_finds_our_own_process(void **state)
{
    (void)state;
    proctree *t = proctree_new();
    proctree_snapshot snap = {0};
    assert_int_equal(proctree_snapshot_take(t, getpid(), &snap), 0);
    assert_true(snap.processes >= 1);
    assert_true(snap.rss_bytes > 100 * 1024);
    bool found = false;
    for (int i = 0; i < snap.processes; i++)
        found = found || snap.pids[i] == getpid();
    assert_true(found);
    proctree_snapshot_free(&snap);
    proctree_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rapl_counts_exact_joules_across_a_wraparound),
        cmocka_unit_test(rapl_without_domains_says_why),
        cmocka_unit_test(nvml_that_cannot_load_says_so),
        cmocka_unit_test(the_ram_estimate_uses_codecarbons_constant),
        cmocka_unit_test(the_carbon_table_knows_countries_and_cites_them),
        cmocka_unit_test(proctree_finds_our_own_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
