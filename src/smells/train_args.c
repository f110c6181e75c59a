#include "smells/train_args.h"

#include <stdlib.h>
#include <string.h>

#include "common/parse_number.h"

/* argv[i] is "--name" (value in argv[i+1]) or "--name=value". */
static bool is_option(const char *arg, const char *name, const char **inline_value)
{
    size_t len = strlen(name);
    if (strncmp(arg, name, len) != 0)
        return false;
    if (arg[len] == '\0') {
        *inline_value = NULL;
        return true;
    }
    if (arg[len] == '=') {
        *inline_value = arg + len + 1;
        return true;
    }
    return false;
}

hml_status train_args_value(char *const *argv, size_t argc, const char *name, const char **value,
                            hml_err *err)
{
    *value = NULL;
    for (size_t i = 0; i < argc; i++) {
        const char *inline_value;
        if (!is_option(argv[i], name, &inline_value))
            continue;
        if (inline_value) {
            *value = inline_value;
        } else if (i + 1 < argc) {
            *value = argv[++i];
        } else {
            return hml_fail(err, HML_EUSAGE, "%s: expected a value", name);
        }
    }
    return HML_OK;
}

hml_status train_args_long(char *const *argv, size_t argc, const char *name, long min, long max,
                           long fallback, long *out, hml_err *err)
{
    const char *text;
    hml_status st = train_args_value(argv, argc, name, &text, err);
    if (st != HML_OK)
        return st;
    if (!text) {
        *out = fallback;
        return HML_OK;
    }
    return hml_parse_long(name, text, min, max, out, err);
}

bool train_args_has_flag(char *const *argv, size_t argc, const char *name)
{
    for (size_t i = 0; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return true;
    return false;
}

void train_args_free(char **argv, size_t argc)
{
    if (!argv)
        return;
    for (size_t i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
}

hml_status train_args_with(char *const *argv, size_t argc, const char *name, const char *value,
                           char ***out, size_t *out_argc, hml_err *err)
{
    char **copy = calloc(argc + 2, sizeof *copy);
    size_t n = 0;
    if (!copy)
        return hml_fail(err, HML_ESYSTEM, "train arguments: out of memory");
    for (size_t i = 0; i < argc; i++) {
        const char *inline_value;
        if (name && is_option(argv[i], name, &inline_value)) {
            /* Drop "--name V" / "--name=V" (a flag has no separate value). */
            if (value && !inline_value && i + 1 < argc)
                i++;
            continue;
        }
        if (!(copy[n] = strdup(argv[i])))
            goto oom;
        n++;
    }
    if (name) {
        if (!(copy[n] = strdup(name)))
            goto oom;
        n++;
        if (value) {
            if (!(copy[n] = strdup(value)))
                goto oom;
            n++;
        }
    }
    *out = copy;
    *out_argc = n;
    return HML_OK;
oom:
    train_args_free(copy, n);
    return hml_fail(err, HML_ESYSTEM, "train arguments: out of memory");
}

hml_status train_args_copy(char *const *argv, size_t argc, char ***out, size_t *out_argc,
                           hml_err *err)
{
    return train_args_with(argv, argc, NULL, NULL, out, out_argc, err);
}
