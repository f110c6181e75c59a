/* Reading and overriding options in `hmlcost train`'s argument list, so a
 * smell arm can change one option (--batch, --threads, --model-builds) and
 * keep everything else the user passed after `--`. Both spellings are
 * understood: `--batch 64` and `--batch=64`. */
#ifndef HMLCOST_SMELLS_TRAIN_ARGS_H
#define HMLCOST_SMELLS_TRAIN_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

/* The value of the last occurrence of option name ("--batch") in argv, or
 * NULL when it is absent. An option given last without its value is a usage
 * error, as train itself would say. */
hml_status train_args_value(char *const *argv, size_t argc, const char *name, const char **value,
                            hml_err *err);

/* The value of the last occurrence as an integer in [min, max], or fallback
 * when absent. */
hml_status train_args_long(char *const *argv, size_t argc, const char *name, long min, long max,
                           long fallback, long *out, hml_err *err);

/* True when the flag (an option without a value) occurs in argv. */
bool train_args_has_flag(char *const *argv, size_t argc, const char *name);

/* A new argument list: argv without any occurrence of name, then
 * "name value" (value NULL: name is a flag, appended alone). The copy and
 * its strings are the caller's: free with train_args_free. */
hml_status train_args_with(char *const *argv, size_t argc, const char *name, const char *value,
                           char ***out, size_t *out_argc, hml_err *err);
hml_status train_args_copy(char *const *argv, size_t argc, char ***out, size_t *out_argc,
                           hml_err *err);
void train_args_free(char **argv, size_t argc);

#endif
