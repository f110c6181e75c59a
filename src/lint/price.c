/* Turning a finding into the experiment that measures it. */
#include "lint/price.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/text.h"
#include "lint/lint_internal.h"
#include "smells/catalogue.h"

void lint_shell_quote(const char *s, char *buf, size_t size)
{
    size_t used = strlen(buf);
    bool plain = *s != '\0';
    for (const char *p = s; *p && plain; p++)
        plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./,:=+@%",
                       *p) != NULL;
    if (plain) {
        text_format(buf + used, size - used, "%s", s);
        return;
    }
    if (used + 1 < size)
        buf[used++] = '\'';
    for (; *s && used + 5 < size; s++) {
        if (*s == '\'') {
            memcpy(buf + used, "'\\''", 4);
            used += 4;
        } else {
            buf[used++] = *s;
        }
    }
    if (used + 1 < size)
        buf[used++] = '\'';
    buf[used < size ? used : size - 1] = '\0';
}

/* How the file runs: python3 FILE or sh/bash FILE. */
static void interpreter(const lint_finding *f, char *buf, size_t size)
{
    const char *cmd = "python3";
    if (f->language == LINT_LANG_SHELL) {
        size_t n = strlen(f->path);
        cmd = n > 5 && strcmp(f->path + n - 5, ".bash") == 0 ? "bash" : "sh";
    }
    text_format(buf, size, "%s ", cmd);
}

void lint_price_of(const lint_finding *f, lint_price *out)
{
    *out = (lint_price){.runnable = true};
    const smell_info *info = smell_find(lint_rule_get(f->rule)->id);
    out->smell = info ? info->id : lint_rule_get(f->rule)->id;
    const char *ph = info && info->placeholder ? info->placeholder : NULL;
    long value = f->knob.value;
    switch (f->rule) {
    case LINT_PARALLELISM:
        ph = "{threads}";
        text_format(out->strength, sizeof out->strength, "--smell-threads %ld", value);
        break;
    case LINT_MINIBATCH: {
        long base = value > SMELL_REFERENCE_BATCH ? SMELL_REFERENCE_BATCH : value / 2;
        text_format(out->strength, sizeof out->strength, "--smell-batch %ld --baseline-batch %ld",
                    value, base > 0 ? base : 1);
        break;
    }
    case LINT_MODEL_REUSE:
        text_format(out->strength, sizeof out->strength, "--model-builds %ld",
                    value > 1 ? value : (long)SMELL_DEFAULT_MODEL_BUILDS);
        break;
    case LINT_LIBPATH:
    case LINT_RULE_COUNT:
        ph = NULL; /* the libpath treatment reaches any command through its environment */
        break;
    }
    out->token = ph;

    if (f->language == LINT_LANG_DOCKERFILE || f->language == LINT_LANG_ENVFILE) {
        text_copy(out->workload, sizeof out->workload, "YOUR-TRAINING-COMMAND");
        out->runnable = false;
        text_format(out->why_not, sizeof out->why_not, "a %s sets the environment of a "
                    "command it does not name; give that command as --workload",
                    f->language == LINT_LANG_DOCKERFILE ? "Dockerfile" : ".env file");
        if (ph)
            text_format(out->placeholder, sizeof out->placeholder,
                        "the command must take %s where this file sets %ld", ph, value);
        return;
    }
    char quoted[1024] = "";
    lint_shell_quote(f->path, quoted, sizeof quoted);
    interpreter(f, out->workload, sizeof out->workload);
    size_t used = strlen(out->workload);
    text_format(out->workload + used, sizeof out->workload - used, "%s", quoted);
    if (!ph)
        return;
    if (f->knob.flag) {
        used = strlen(out->workload);
        text_format(out->workload + used, sizeof out->workload - used, " %s %s", f->knob.flag, ph);
    } else if (f->knob.end > f->knob.start) {
        out->needs_copy = true;
        text_format(out->placeholder, sizeof out->placeholder,
                    "%s goes where %s:%u:%u sets %ld; --confirm runs a copy of the file that "
                    "reads it there", ph, f->path, f->knob.line, f->knob.col, value);
    } else {
        out->runnable = false;
        text_format(out->placeholder, sizeof out->placeholder,
                    "%s: the script must take it (a flag or a variable at line %u)", ph, f->line);
        text_format(out->why_not, sizeof out->why_not, "the %s is not one literal or flag "
                    "that hmlcost can set (make it a flag taking %s)",
                    f->rule == LINT_MODEL_REUSE ? "number of builds" : "value", ph);
    }
}

void lint_price_command(const lint_price *p, int runs, char *buf, size_t size)
{
    text_format(buf, size, "hmlcost run --smell %s%s%s --runs %d --workload ", p->smell,
                p->strength[0] ? " " : "", p->strength, runs);
    lint_shell_quote(p->workload, buf, size);
}

hml_status lint_price_prepare(const lint_finding *f, const lint_price *p, const char *dir,
                              char *workload, size_t size, hml_err *err)
{
    if (!p->needs_copy) {
        text_copy(workload, size, p->workload);
        return HML_OK;
    }
    char *src = NULL, why[256];
    size_t len = 0;
    hml_status st = lint_read_source(f->path, &src, &len, why, sizeof why);
    if (st != HML_OK)
        return hml_fail(err, st, "%s: %s", f->path, why);
    if (f->knob.end > len || f->knob.start >= f->knob.end) {
        free(src);
        return hml_fail(err, HML_EUSAGE, "%s: changed since it was linted", f->path);
    }
    const char *with;
    if (f->language == LINT_LANG_PYTHON)
        with = f->knob.quoted ? "__import__('os').environ['HMLCOST_LINT_VALUE']"
                              : "int(__import__('os').environ['HMLCOST_LINT_VALUE'])";
    else
        with = "${HMLCOST_LINT_VALUE}";
    const char *base = strrchr(f->path, '/');
    base = base ? base + 1 : f->path;
    char copy[1024];
    text_format(copy, sizeof copy, "%s/%s.%u.%u.%s", dir, lint_rule_get(f->rule)->id, f->line,
                f->col, base);
    FILE *out = fopen(copy, "wb");
    if (!out) {
        free(src);
        return hml_fail(err, HML_ESYSTEM, "%s: cannot write: %s", copy, strerror(errno));
    }
    bool ok = fwrite(src, 1, f->knob.start, out) == f->knob.start &&
              fputs(with, out) >= 0 &&
              fwrite(src + f->knob.end, 1, len - f->knob.end, out) == len - f->knob.end;
    ok = fclose(out) == 0 && ok;
    free(src);
    if (!ok)
        return hml_fail(err, HML_ESYSTEM, "%s: cannot write", copy);

    /* run from here, as the user would, with the script's directory importable */
    char script_dir[1024];
    text_copy(script_dir, sizeof script_dir, f->path);
    char *slash = strrchr(script_dir, '/');
    if (slash)
        *slash = '\0';
    else
        text_copy(script_dir, sizeof script_dir, ".");
    text_format(workload, size, "HMLCOST_LINT_VALUE=%s ", p->token);
    if (f->language == LINT_LANG_PYTHON) {
        size_t used = strlen(workload);
        text_format(workload + used, size - used, "PYTHONPATH=");
        lint_shell_quote(script_dir, workload, size);
        used = strlen(workload);
        text_format(workload + used, size - used, " python3 ");
    } else {
        size_t used = strlen(workload);
        text_format(workload + used, size - used, "%s ",
                    strstr(p->workload, "bash ") == p->workload ? "bash" : "sh");
    }
    lint_shell_quote(copy, workload, size);
    return HML_OK;
}
