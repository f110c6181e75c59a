/* The host module: described hosts (the table every host-dependent test
 * runs over), what it derives from them, the cgroup files, and the one
 * thread-count reader. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/host.h"
#include "common/thread_count.h"
#include "hosts/host_table.h"

static char *temp_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    char *path = malloc(4096);
    snprintf(path, 4096, "%s/hmlcost-host-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(path));
    return path;
}

static void mkdirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0700);
            *p = '/';
        }
    mkdir(buf, 0700);
}

static void write_file(const char *path, const char *content)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
}

static void rmrf(const char *path)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    assert_int_equal(system(cmd), 0);
}

static void load(const char *file, host_info *h)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/hosts/%s", HMLCOST_TEST_SOURCE_DIR, file);
    hml_err err = {0};
    if (host_load_file(path, h, &err) != HML_OK)
        fail_msg("%s: %s", file, err.msg);
}

static void every_described_host_gives_its_facts(void **state)
{
    (void)state;
    for (size_t i = 0; i < TEST_HOST_COUNT; i++) {
        const test_host *t = &test_hosts[i];
        host_info h;
        load(t->file, &h);
        print_message("%s: %s\n", t->file, h.cpu_model);
        assert_int_equal(host_usable_cpus(&h), t->usable_cpus);
        assert_int_equal(host_default_threads(&h), t->default_threads);
        assert_int_equal(h.cpu_family, t->cpu_family);
        int level = 0;
        assert_true(host_llc_bytes(&h, &level) == t->llc_bytes);
        assert_int_equal(level, 3);
        assert_int_equal(h.gpus, t->gpus);
        assert_true(host_has_flag(&h, "avx512f"));
        assert_false(host_has_flag(&h, "avx512")); /* whole words only */
        assert_non_null(strstr(h.source, t->file));
    }
}

static void the_environment_names_the_host(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/hosts/epyc-zen5-vm.ini", HMLCOST_TEST_SOURCE_DIR);
    setenv(HOST_FILE_ENV, path, 1);
    host_info h;
    hml_err err = {0};
    assert_int_equal(host_read(&h, NULL, &err), HML_OK);
    assert_string_equal(h.cpu_vendor, "AuthenticAMD");
    assert_true(h.l3_bytes == 32ULL << 20);
    unsetenv(HOST_FILE_ENV);
    /* This machine: whatever it is, the facts are consistent. */
    assert_int_equal(host_read(&h, NULL, &err), HML_OK);
    assert_string_equal(h.source, "this machine");
    assert_true(h.logical_cpus >= 1 && h.allowed_cpus >= 1 && h.allowed_cpus <= h.logical_cpus);
    assert_true(h.cores >= 1 && h.cores <= h.logical_cpus);
    assert_true(host_default_threads(&h) <= host_usable_cpus(&h));
}

static void defaults_and_limits_of_a_described_host(void **state)
{
    (void)state;
    char *dir = temp_dir(), path[4200];
    snprintf(path, sizeof path, "%s/h.ini", dir);
    write_file(path, "logical_cpus = 8\ncores = 4\nallowed_cpus = 2\nallowed_cores = 1\n"
                     "mem_total = 16 GiB\nmem_limit = 1.5GiB\n; a comment\n");
    host_info h;
    hml_err err = {0};
    assert_int_equal(host_load_file(path, &h, &err), HML_OK);
    assert_int_equal(host_usable_cpus(&h), 2);      /* taskset */
    assert_int_equal(host_default_threads(&h), 1);  /* one core allowed */
    assert_true(h.mem_available == 3ULL << 29);      /* capped by the cgroup limit */
    assert_int_equal(host_llc_bytes(&h, NULL), 0);

    static const struct {
        const char *text, *message;
    } bad[] = {
        {"logical_cpus = 2\ncpu_modle = x\n", "line 2: unknown key 'cpu_modle'"},
        {"logical_cpus = 2\nl3 = 32 parsecs\n", "l3: '32 parsecs' is not a size"},
        {"logical_cpus = -2\n", "logical_cpus: '-2' is not a number"},
        {"cores = 4\n", "logical_cpus: expected at least 1"},
        {"logical_cpus = 2\ncores = 4\n", "do not add up"},
        {"[cpu]\nlogical_cpus = 2\n", "sections are not used"},
        {"logical_cpus = 2\ncpu_quota = nan\n", "cpu_quota: 'nan' is not"},
        {"garbage line\n", "line 1: not a key = value line"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(path, bad[i].text);
        assert_int_equal(host_load_file(path, &h, &err), HML_EUSAGE);
        if (!strstr(err.msg, bad[i].message))
            fail_msg("'%s': got '%s'", bad[i].text, err.msg);
        assert_non_null(strstr(err.msg, HOST_FILE_ENV));
    }
    assert_int_equal(host_load_file("/nonexistent/host.ini", &h, &err), HML_EUSAGE);
    rmrf(dir);
    free(dir);
}

static void thread_counts_are_read_as_openmp_reads_them(void **state)
{
    (void)state;
    long v[THREAD_COUNT_MAX_LEVELS];
    assert_int_equal(thread_count_parse("4", false, false, v), 1);
    assert_int_equal(v[0], 4);
    assert_int_equal(thread_count_parse(" 4 ", false, false, v), 1); /* blanks, as libgomp */
    assert_int_equal(v[0], 4);
    assert_int_equal(thread_count_parse("8,2", true, false, v), 2);
    assert_int_equal(v[1], 2);
    assert_int_equal(thread_count_parse("8, 2 ", true, false, v), 2);
    assert_int_equal(thread_count_parse("8,2", false, false, v), 0); /* no list here */
    assert_int_equal(thread_count_parse("0", false, true, v), 1);
    static const char *const bad[] = {"", " ", "0", "-1", "4x", "x", "4,", ",4", "4,,2",
                                      "99999999999999999999", "1,1,1,1,1,1,1,1,1", NULL};
    for (size_t i = 0; bad[i]; i++)
        if (thread_count_parse(bad[i], true, false, v) != 0)
            fail_msg("'%s' was accepted", bad[i]);
    assert_int_equal(thread_count_parse(NULL, true, false, v), 0);
}

static void cgroup_files_are_read_v1_and_v2(void **state)
{
    (void)state;
    char *root = temp_dir(), path[4096];
    /* v2: the quota of an ancestor applies to its descendants. */
    snprintf(path, sizeof path, "%s/jobs/job1", root);
    mkdirs(path);
    snprintf(path, sizeof path, "%s/jobs/cpu.max", root);
    write_file(path, "150000 100000\n");
    snprintf(path, sizeof path, "%s/jobs/job1/cpu.max", root);
    write_file(path, "max 100000\n");
    snprintf(path, sizeof path, "%s/jobs/job1/memory.max", root);
    write_file(path, "1073741824\n");
    assert_true(host_cgroup_cpu_quota(root, "0::/jobs/job1\n") == 1.5);
    assert_true(host_cgroup_memory_limit(root, "0::/jobs/job1\n") == 1073741824ULL);
    assert_true(host_cgroup_cpu_quota(root, "0::/\n") == 0);
    /* v1: the cpu controller's own hierarchy. */
    snprintf(path, sizeof path, "%s/cpu/batch", root);
    mkdirs(path);
    snprintf(path, sizeof path, "%s/cpu/batch/cpu.cfs_quota_us", root);
    write_file(path, "50000\n");
    snprintf(path, sizeof path, "%s/cpu/batch/cpu.cfs_period_us", root);
    write_file(path, "100000\n");
    snprintf(path, sizeof path, "%s/cpu/cpu.cfs_quota_us", root);
    write_file(path, "-1\n");
    snprintf(path, sizeof path, "%s/cpu/cpu.cfs_period_us", root);
    write_file(path, "100000\n");
    assert_true(host_cgroup_cpu_quota(root, "4:memory:/x\n1:cpu,cpuacct:/batch\n0::/\n") ==
                0.5);
    /* Garbage and unknown paths give "no quota", never a crash. */
    assert_true(host_cgroup_cpu_quota(root, "garbage") == 0);
    assert_true(host_cgroup_cpu_quota(root, NULL) == 0);
    assert_true(host_cgroup_cpu_quota("/nonexistent", "0::/a/b\n") == 0);
    rmrf(root);
    free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_described_host_gives_its_facts),
        cmocka_unit_test(the_environment_names_the_host),
        cmocka_unit_test(defaults_and_limits_of_a_described_host),
        cmocka_unit_test(thread_counts_are_read_as_openmp_reads_them),
        cmocka_unit_test(cgroup_files_are_read_v1_and_v2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
