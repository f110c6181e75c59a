/* The GPU library probe and the device fallback, against directories of
 * fake libraries (src/nn/cuda/fakelibs): each scenario runs gpu_libs_probe
 * in a fresh process with LD_LIBRARY_PATH set, as a user would, and checks
 * the exact failure it reports. Needs no GPU and no CUDA. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/spawn.h"

static char output[32768];

/* Runs the probe with LD_LIBRARY_PATH = ld_path (NULL: unset); returns its stdout. */
static const char *run_probe(const char *ld_path, const char *const *args)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    /* Ours without HMLCOST_LIBPATH_FAKES, LD_LIBRARY_PATH set or unset. */
    char *ld = NULL;
    if (ld_path) {
        ld = malloc(strlen(ld_path) + 32);
        assert_non_null(ld);
        sprintf(ld, "LD_LIBRARY_PATH=%s", ld_path);
    }
    char *const changes[] = {"HMLCOST_LIBPATH_FAKES", ld ? ld : "LD_LIBRARY_PATH"};
    char **env = NULL;
    hml_err err = {0};
    if (spawn_build_env(changes, 2, NULL, &env, &err) != HML_OK)
        fail_msg("spawn_build_env: %s", err.msg);
    char *argv[8] = {(char *)GPU_LIBS_PROBE};
    for (int i = 0; args[i] && i < 6; i++)
        argv[i + 1] = (char *)args[i];
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, GPU_LIBS_PROBE, &actions, NULL, argv, env), 0);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    size_t used = 0;
    ssize_t got;
    while ((got = read(fds[0], output + used, sizeof output - 1 - used)) > 0)
        used += (size_t)got;
    output[used] = '\0';
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    free(ld);
    spawn_env_free(env);
    return output;
}

/* The value of line "key=..." (first match), copied. */
static const char *field(const char *out, const char *key)
{
    static char value[4096];
    size_t len = strlen(key);
    for (const char *line = out; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, key, len) == 0 && line[len] == '=') {
            const char *end = strchr(line, '\n');
            size_t n = end ? (size_t)(end - line - len - 1) : strlen(line + len + 1);
            if (n >= sizeof value)
                n = sizeof value - 1;
            memcpy(value, line + len + 1, n);
            value[n] = '\0';
            return value;
        }
    }
    fail_msg("no '%s=' in the probe's output:\n%s", key, out);
    return "";
}

/* The "lib=<name> ..." line. */
static const char *lib_line(const char *out, const char *name)
{
    static char line[2048];
    char key[64];
    snprintf(key, sizeof key, "lib=%s ", name);
    const char *at = strstr(out, key);
    if (!at)
        fail_msg("no line for %s in:\n%s", name, out);
    const char *end = strchr(at, '\n');
    size_t n = end ? (size_t)(end - at) : strlen(at);
    if (n >= sizeof line)
        n = sizeof line - 1;
    memcpy(line, at, n);
    line[n] = '\0';
    return line;
}

#define assert_contains(haystack, needle)                                                       \
    do {                                                                                        \
        if (!strstr((haystack), (needle)))                                                      \
            fail_msg("expected \"%s\" in \"%s\"", (needle), (haystack));                        \
    } while (0)

static const char *const probe_default[] = {"probe", NULL};

static const char *scenario(const char *name)
{
    static char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", FAKES_DIR, name);
    return dir;
}

static void test_ok_libraries_pass_every_check(void **state)
{
    (void)state;
    const char *out = run_probe(scenario("ok"), probe_default);
    assert_string_equal(field(out, "fail"), "ok");
    assert_string_equal(field(out, "reason"), "");
    assert_contains(lib_line(out, "cuda-driver"), "fail=ok version=13.0");
    assert_contains(lib_line(out, "cudnn"), "fail=ok version=9.14.0");
    assert_contains(lib_line(out, "cudnn"), "/ok/libcudnn.so.9");
    assert_contains(lib_line(out, "cublas"), "fail=ok version=13.0.0");
    assert_contains(lib_line(out, "cublasLt"), "fail=ok version=13.0.0");
    assert_contains(out, "devices=1 driver=13000");
}

static void test_stub_driver_is_named(void **state)
{
    (void)state;
    const char *out = run_probe(scenario("stub"), probe_default);
    assert_string_equal(field(out, "fail"), "stub");
    const char *reason = field(out, "reason");
    assert_contains(reason, "libcuda.so.1 at ");
    assert_contains(reason, "/stub/libcuda.so.1 is CUDA's stub library");
    assert_contains(reason, "CUDA_ERROR_STUB_LIBRARY (34)");
    assert_contains(reason, "(LD_LIBRARY_PATH: ");
    assert_contains(reason, scenario("stub"));
    /* The other libraries were still probed, and passed. */
    assert_contains(lib_line(out, "cudnn"), "fail=ok");
    assert_contains(lib_line(out, "cublas"), "fail=ok");
}

/* CUDA's own stubs/libcuda.so, linked as libcuda.so.1 in a directory ahead
 * of the driver (what people do to silence a link error). */
static void test_real_cuda_stub_is_named(void **state)
{
    (void)state;
    const char *const dirs[] = {"dirs", NULL};
    char stubs[1024];
    snprintf(stubs, sizeof stubs, "%s", field(run_probe(NULL, dirs), "stubs"));
    if (!stubs[0]) {
        printf("skipped: no CUDA stubs directory on this machine\n");
        skip();
    }
    char dir[] = "/tmp/hmlcost-stub-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char link[1200], target[1200];
    snprintf(link, sizeof link, "%s/libcuda.so.1", dir);
    snprintf(target, sizeof target, "%s/libcuda.so", stubs);
    assert_int_equal(symlink(target, link), 0);
    char path[2400];
    snprintf(path, sizeof path, "%s:%s", dir, scenario("ok"));
    const char *out = run_probe(path, probe_default);
    unlink(link);
    rmdir(dir);
    assert_string_equal(field(out, "fail"), "stub");
    assert_contains(field(out, "error.cuda-driver"), "is CUDA's stub library (cuInit: CUDA_ERROR_STUB_LIBRARY (34))");
    assert_contains(field(out, "error.cuda-driver"), dir);
}

static void test_no_device(void **state)
{
    (void)state;
    const char *out = run_probe(scenario("no-device"), probe_default);
    assert_string_equal(field(out, "fail"), "no-device");
    assert_contains(field(out, "reason"), "no CUDA device: cuInit: CUDA_ERROR_NO_DEVICE (100)");
}

static void test_old_driver(void **state)
{
    (void)state;
    const char *out = run_probe(scenario("old-driver"), probe_default);
    assert_string_equal(field(out, "fail"), "driver");
    assert_contains(field(out, "reason"), "supports CUDA 12.8; hmlcost was built with CUDA 13");
}

static void test_cudnn_built_for_another_cuda(void **state)
{
    (void)state;
    const char *out = run_probe(scenario("cudnn-cuda12"), probe_default);
    assert_string_equal(field(out, "fail"), "version");
    assert_contains(field(out, "reason"), "is cuDNN 9.14.0 built for CUDA 12.9; hmlcost was built with CUDA 13");
    assert_contains(lib_line(out, "cuda-driver"), "fail=ok");
}

static void test_cudnn_of_another_major(void **state)
{
    (void)state;
    const char *out = run_probe(scenario("cudnn8"), probe_default);
    assert_string_equal(field(out, "fail"), "version");
    assert_contains(field(out, "reason"), "libcudnn.so.9 at ");
    assert_contains(field(out, "reason"), "is cuDNN 8.9.7; hmlcost needs 9.0 or a later 9.x");
}

static void test_cudnn_too_old_minor(void **state)
{
    (void)state;
    /* The same library, against a build that needs cuDNN 9.15. */
    const char *const args[] = {"probe", "13", "9", "91500", "13", NULL};
    const char *out = run_probe(scenario("ok"), args);
    assert_string_equal(field(out, "fail"), "version");
    assert_contains(field(out, "reason"), "is cuDNN 9.14.0; hmlcost needs 9.15 or a later 9.x");
}

static void test_cudnn_sublibrary_mismatch(void **state)
{
    (void)state;
    const char *out = run_probe(scenario("cudnn-sublib"), probe_default);
    assert_string_equal(field(out, "fail"), "version");
    assert_contains(field(out, "reason"),
                    "cudnnCnnVersionCheck: CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH (1002)");
}

static void test_cudnn_missing_functions(void **state)
{
    (void)state;
    const char *out = run_probe(scenario("cudnn-partial"), probe_default);
    assert_string_equal(field(out, "fail"), "symbol");
    assert_contains(field(out, "reason"), "lacks 34 of the 40 functions hmlcost calls: cudnnCreate, cudnnDestroy");
}

static void test_cublas_of_another_major(void **state)
{
    (void)state;
    const char *out = run_probe(scenario("cublas12"), probe_default);
    assert_string_equal(field(out, "fail"), "version");
    assert_contains(field(out, "reason"), "is cuBLAS 12.0.0; hmlcost needs cuBLAS 13.x");
}

static void test_cublas_missing_functions(void **state)
{
    (void)state;
    const char *out = run_probe(scenario("cublas-partial"), probe_default);
    assert_string_equal(field(out, "fail"), "symbol");
    assert_contains(field(out, "reason"), "libcublas.so.13 at ");
    assert_contains(field(out, "reason"), "lacks 7 of the 8 functions hmlcost calls: cublasGetStatusString");
}

static void test_missing_library_names_the_loader_error(void **state)
{
    (void)state;
    const char *const args[] = {"probe", "13", "99", "990000", "13", NULL};
    const char *out = run_probe(scenario("ok"), args);
    assert_string_equal(field(out, "fail"), "dlopen");
    const char *reason = field(out, "reason");
    assert_contains(reason, "libcudnn.so.99: cannot open shared object file: No such file or directory");
    assert_contains(reason, "(LD_LIBRARY_PATH: ");
    assert_contains(lib_line(out, "cublas"), "fail=ok");
}

/* The libpath smell's 1,000 directories that do not exist, ahead of the
 * right one: the libraries still resolve; the message summarises the path. */
static void test_long_path_is_searched_and_summarised(void **state)
{
    (void)state;
    size_t size = 1000 * 40 + 2048;
    char *path = malloc(size);
    assert_non_null(path);
    size_t used = 0;
    for (int i = 0; i < 1000; i++)
        used += (size_t)snprintf(path + used, size - used, "/nonexistent/hmlcost-libpath/%04d:", i);
    snprintf(path + used, size - used, "%s", scenario("stub"));
    const char *out = run_probe(path, probe_default);
    free(path);
    assert_string_equal(field(out, "fail"), "stub");
    assert_contains(field(out, "reason"),
                    "(LD_LIBRARY_PATH: 1001 entries, /nonexistent/hmlcost-libpath/0000:...:");
    assert_contains(lib_line(out, "cudnn"), "fail=ok");
}

/* The libpath smell's directory: found in the build tree, and it breaks all
 * three libraries in the ways a stray directory does. */
static void test_mismatch_dir_fails_every_library(void **state)
{
    (void)state;
    const char *const dirs[] = {"dirs", NULL};
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", field(run_probe(NULL, dirs), "mismatch"));
    assert_string_equal(dir, scenario("cuda-mismatch"));
    const char *out = run_probe(dir, probe_default);
    assert_string_equal(field(out, "fail"), "stub");
    assert_contains(field(out, "error.cuda-driver"), "is CUDA's stub library");
    assert_contains(field(out, "error.cudnn"), "built for CUDA 12.9");
    assert_contains(field(out, "error.cublas"), "lacks 7 of the 8 functions");
}

/* This machine's real libraries, when it has them (no GPU needed to read
 * their versions). */
static void test_real_libraries_when_installed(void **state)
{
    (void)state;
    const char *out = run_probe(NULL, probe_default);
    const char *cudnn = lib_line(out, "cudnn");
    if (strstr(cudnn, "fail=dlopen")) {
        printf("skipped: no libcudnn.so.9 on this machine\n");
        skip();
    }
    printf("%s\n", out);
    assert_contains(cudnn, "version=9.");
    assert_null(strstr(cudnn, "libpath-fakes"));
    assert_contains(lib_line(out, "cublas"), "version=13.");
}

static const char *const select_cuda[] = {"select", "cuda", "0", NULL};
static const char *const select_cuda_required[] = {"select", "cuda", "1", NULL};

static void test_select_falls_back_to_cpu(void **state)
{
    (void)state;
    const char *out = run_probe(scenario("stub"), select_cuda);
    assert_string_equal(field(out, "status"), "0");
    assert_string_equal(field(out, "requested"), "cuda");
    assert_string_equal(field(out, "used"), "cpu");
#ifdef HMLCOST_HAVE_CUDA
    assert_contains(field(out, "reason"), "Cannot use some GPU libraries: libcuda.so.1 at ");
    assert_contains(field(out, "reason"), "is CUDA's stub library");
#else
    assert_contains(field(out, "reason"), "this hmlcost was built without the cuda backend");
#endif
    assert_contains(field(out, "warning"), "warning: cannot use device cuda: ");
    assert_contains(field(out, "warning"),
                    "Skipping the cuda device; training on cpu (--require-device makes this an error)");
}

static void test_select_required_device_is_an_error(void **state)
{
    (void)state;
    const char *out = run_probe(scenario("cudnn-cuda12"), select_cuda_required);
    assert_string_equal(field(out, "status"), "3"); /* HML_ESYSTEM: exit status 1 */
    assert_contains(field(out, "error"), "--require-device cuda: ");
#ifdef HMLCOST_HAVE_CUDA
    assert_contains(field(out, "error"), "built for CUDA 12.9");
#endif
}

static void test_select_unknown_device_is_a_usage_error(void **state)
{
    (void)state;
    const char *const args[] = {"select", "tpu", "0", NULL};
    const char *out = run_probe(NULL, args);
    assert_string_equal(field(out, "status"), "2");
    assert_string_equal(field(out, "error"), "--device: unknown device 'tpu' (use cpu or cuda)");
}

static void test_select_cpu_has_no_fallback(void **state)
{
    (void)state;
    const char *const args[] = {"select", "cpu", "1", NULL};
    const char *out = run_probe(scenario("stub"), args);
    assert_string_equal(field(out, "used"), "cpu");
    assert_string_equal(field(out, "reason"), "");
    assert_string_equal(field(out, "warning"), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_libraries_pass_every_check),
        cmocka_unit_test(test_stub_driver_is_named),
        cmocka_unit_test(test_real_cuda_stub_is_named),
        cmocka_unit_test(test_no_device),
        cmocka_unit_test(test_old_driver),
        cmocka_unit_test(test_cudnn_built_for_another_cuda),
        cmocka_unit_test(test_cudnn_of_another_major),
        cmocka_unit_test(test_cudnn_too_old_minor),
        cmocka_unit_test(test_cudnn_sublibrary_mismatch),
        cmocka_unit_test(test_cudnn_missing_functions),
        cmocka_unit_test(test_cublas_of_another_major),
        cmocka_unit_test(test_cublas_missing_functions),
        cmocka_unit_test(test_missing_library_names_the_loader_error),
        cmocka_unit_test(test_long_path_is_searched_and_summarised),
        cmocka_unit_test(test_mismatch_dir_fails_every_library),
        cmocka_unit_test(test_real_libraries_when_installed),
        cmocka_unit_test(test_select_falls_back_to_cpu),
        cmocka_unit_test(test_select_required_device_is_an_error),
        cmocka_unit_test(test_select_unknown_device_is_a_usage_error),
        cmocka_unit_test(test_select_cpu_has_no_fallback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
