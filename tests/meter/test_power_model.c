/* The CPU power model: TDP lookup by model string (Intel, two AMD, and the
 * strings VMs report), the Teads load curve at and between its points, the
 * package share, the linear-to-curve band, the fallback, and the CPU facts
 * read from a fake /proc and /sys tree. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meter/cpu_tdp.h"
#include "meter/fake_tree.h"
#include "meter/host.h"
#include "meter/power_model.h"

#define near(a, b) assert_true((a) > (b) - 1e-9 && (a) < (b) + 1e-9)

static void known_models_find_their_tdp(void **state)
{
    (void)state;
    const cpu_tdp_entry *e;
    assert_int_equal(cpu_tdp_find("Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz", &e),
                     CPU_TDP_EXACT);
    assert_string_equal(e->name, "Intel Xeon Platinum 8380");
    near(e->tdp_w, 270);
    assert_int_equal(cpu_tdp_find("AMD EPYC 7763 64-Core Processor", &e), CPU_TDP_EXACT);
    assert_string_equal(e->name, "AMD EPYC 7763");
    near(e->tdp_w, 280);
    assert_int_equal(cpu_tdp_find("AMD EPYC 9654 96-Core Processor", &e), CPU_TDP_EXACT);
    assert_string_equal(e->name, "AMD EPYC 9654"); /* not 9654P */
    near(e->tdp_w, 360);
    /* Extra words on the host's side: the table name within them. */
    assert_int_equal(cpu_tdp_find("AMD Ryzen 7 5800H with Radeon Graphics", &e), CPU_TDP_WORDS);
    assert_string_equal(e->name, "AMD Ryzen 7 5800H");
}

static void vague_model_strings_find_nothing(void **state)
{
    (void)state;
    const cpu_tdp_entry *e = (const cpu_tdp_entry *)1;
    assert_int_equal(cpu_tdp_find("Intel(R) Xeon(R) Processor", &e), CPU_TDP_NONE);
    assert_null(e);
    assert_int_equal(cpu_tdp_find("AMD EPYC", &e), CPU_TDP_NONE);
    assert_int_equal(cpu_tdp_find("Common KVM processor", &e), CPU_TDP_NONE);
    assert_int_equal(cpu_tdp_find("", &e), CPU_TDP_NONE);
    assert_int_equal(cpu_tdp_find(NULL, &e), CPU_TDP_NONE);
}

static void model_strings_normalise_to_their_words(void **state)
{
    (void)state;
    char out[128];
    cpu_tdp_normalise("Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz", out, sizeof out);
    assert_string_equal(out, "intel core i7-8700");
    cpu_tdp_normalise("  AMD   EPYC 7763 64-Core Processor ", out, sizeof out);
    assert_string_equal(out, "amd epyc 7763");
    cpu_tdp_normalise("AMD Ryzen 5 3580U Microsoft Surface\xc2\xae Edition", out, sizeof out);
    assert_string_equal(out, "amd ryzen 5 3580u microsoft surface edition");
}

static void the_load_curve_holds_at_and_between_its_points(void **state)
{
    (void)state;
    near(power_curve_fraction(0.0), 0.12);
    near(power_curve_fraction(0.10), 0.32);
    near(power_curve_fraction(0.50), 0.75);
    near(power_curve_fraction(1.00), 1.02);
    near(power_curve_fraction(0.05), 0.22);   /* halfway 0.12 .. 0.32 */
    near(power_curve_fraction(0.30), 0.535);  /* halfway 0.32 .. 0.75 */
    near(power_curve_fraction(0.75), 0.885);  /* halfway 0.75 .. 1.02 */
    near(power_curve_fraction(-1), 0.12);     /* clamped */
    near(power_curve_fraction(3), 1.02);
}

static void a_known_model_uses_its_tdp_its_share_and_the_curve(void **state)
{
    (void)state;
    /* 2 of an EPYC 7763's 128 logical CPUs, fully busy for 10 s. */
    power_model pm;
    power_model_init(&pm, 0, "AMD EPYC 7763 64-Core Processor", 128, 2);
    assert_int_equal(pm.source, POWER_SOURCE_TABLE);
    near(pm.share, 2.0 / 128);
    assert_string_equal(pm.method,
                        "estimate:cpu-tdp-curve:280W:AMD-EPYC-7763:codecarbon-cpu_power:2-of-128-cpus");
    assert_non_null(strstr(pm.note, "CodeCarbon's cpu_power.csv"));
    power_integral pi = {0};
    power_integral_add(&pi, &pm, 5.0, 10.0);
    power_integral_add(&pi, &pm, 10.0, 20.0);
    double central, low, high;
    power_integral_joules(&pi, &pm, &central, &low, &high);
    near(central, 280.0 * 2 / 128 * 1.02 * 10); /* the curve at 100 % */
    near(high, central);
    near(low, 280.0 / 128 * 20);                /* linear: TDP per CPU x CPU-s */
    /* Idle for 10 s: the curve keeps the idle share, linear is 0. */
    pi = (power_integral){0};
    power_integral_add(&pi, &pm, 10.0, 0.0);
    power_integral_joules(&pi, &pm, &central, &low, &high);
    near(central, 280.0 * 2 / 128 * 0.12 * 10);
    near(low, 0);
    /* Half busy, then idle: the curve per interval, not at the mean load. */
    pi = (power_integral){0};
    power_integral_add(&pi, &pm, 1.0, 1.0);  /* 50 % of 2 CPUs */
    power_integral_add(&pi, &pm, 2.0, 1.0);  /* 0 % */
    power_integral_joules(&pi, &pm, &central, &low, &high);
    near(central, 280.0 * 2 / 128 * (0.75 + 0.12));
    near(low, 280.0 / 128 * 1.0);
}

static void an_intel_and_a_second_amd_model_give_their_figures(void **state)
{
    (void)state;
    power_model pm;
    power_model_init(&pm, 0, "Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz", 80, 80);
    assert_int_equal(pm.source, POWER_SOURCE_TABLE);
    near(pm.package_tdp_w * pm.share * power_curve_fraction(1.0), 270 * 1.02);
    power_model_init(&pm, 0, "AMD Ryzen Threadripper 3990X 64-Core Processor", 128, 16);
    assert_int_equal(pm.source, POWER_SOURCE_TABLE);
    near(pm.package_tdp_w, 280);
    near(pm.package_tdp_w * pm.share * power_curve_fraction(0.5), 280.0 * 16 / 128 * 0.75);
}

static void a_given_tdp_wins_over_the_table(void **state)
{
    (void)state;
    power_model pm;
    power_model_init(&pm, 65, "AMD EPYC 7763 64-Core Processor", 8, 8);
    assert_int_equal(pm.source, POWER_SOURCE_GIVEN);
    near(pm.package_tdp_w, 65);
    assert_string_equal(pm.method, "estimate:cpu-tdp-curve:65W:given:8-of-8-cpus");
}

static void an_unknown_model_falls_back_to_4w_per_cpu_labelled(void **state)
{
    (void)state;
    power_model pm;
    power_model_init(&pm, 0, "Intel(R) Xeon(R) Processor", 2, 2);
    assert_int_equal(pm.source, POWER_SOURCE_FALLBACK);
    assert_string_equal(pm.method, "estimate:fallback:cpu-4W-per-logical-cpu");
    assert_non_null(strstr(pm.note, "fallback"));
    assert_non_null(strstr(pm.note, "\"Intel(R) Xeon(R) Processor\" is not in"));
    power_integral pi = {0};
    power_integral_add(&pi, &pm, 2.0, 1.0); /* 25 % of 2 CPUs for 2 s */
    double central, low, high;
    power_integral_joules(&pi, &pm, &central, &low, &high);
    near(central, 4.0 * 1.0);                           /* CodeCarbon's figure */
    near(high, 4.0 * 2 * power_curve_fraction(0.25) * 2); /* the curve at 4 W per CPU */
    near(low, central);
}

static void cpu_facts_come_from_the_fake_tree(void **state)
{
    (void)state;
    char root[] = "/tmp/hmlcost-host-XXXXXX";
    assert_non_null(mkdtemp(root));
    fake_tree_write(root, "proc/cpuinfo",
               "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7763 64-Core "
               "Processor\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7763 64-Core Processor\n");
    fake_tree_write(root, "sys/devices/system/cpu/cpu0/topology/package_cpus_list", "0-63,128-191\n");
    fake_tree_write(root, "proc/self/status", "Name:\tx\nCpus_allowed:\tf\nCpus_allowed_list:\t0-1,4\n");
    meter_cpu_facts f;
    meter_cpu_facts_read(root, 0, &f);
    assert_string_equal(f.model, "AMD EPYC 7763 64-Core Processor");
    assert_int_equal(f.package_cpus, 128);
    assert_int_equal(f.allowed_cpus, 3);
    /* A count the caller read already is taken as it is. */
    meter_cpu_facts_read(root, 2, &f);
    assert_int_equal(f.allowed_cpus, 2);
    assert_int_equal(f.package_cpus, 128);
    assert_int_equal(meter_cpu_list_count("0-3,8,10-11\n"), 7);
    assert_int_equal(meter_cpu_list_count("3-1"), 0);
    assert_int_equal(meter_cpu_list_count("x"), 0);
    fake_tree_remove(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_models_find_their_tdp),
        cmocka_unit_test(vague_model_strings_find_nothing),
        cmocka_unit_test(model_strings_normalise_to_their_words),
        cmocka_unit_test(the_load_curve_holds_at_and_between_its_points),
        cmocka_unit_test(a_known_model_uses_its_tdp_its_share_and_the_curve),
        cmocka_unit_test(an_intel_and_a_second_amd_model_give_their_figures),
        cmocka_unit_test(a_given_tdp_wins_over_the_table),
        cmocka_unit_test(an_unknown_model_falls_back_to_4w_per_cpu_labelled),
        cmocka_unit_test(cpu_facts_come_from_the_fake_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
