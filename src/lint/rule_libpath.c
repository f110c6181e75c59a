/* libpath: a script that writes LD_LIBRARY_PATH, and what is wrong with the
 * entries it writes (checked on this machine: missing directories). */
#include <string.h>
#include <sys/stat.h>

#include "common/text.h"
#include "lint/python_rules.h"

void lint_libpath_entries(const char *value, char *buf, size_t size)
{
    if (!size)
        return;
    buf[0] = '\0';
    char entry[512];
    const char *p = value;
    for (;;) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n >= sizeof entry)
            n = sizeof entry - 1;
        memcpy(entry, p, n);
        entry[n] = '\0';
        /* $VAR, ${VAR}, $(cmd) and {expr} are only known when it runs */
        bool dynamic = strchr(entry, '$') || strchr(entry, '{') || strchr(entry, '`');
        struct stat st;
        if (!dynamic && !entry[0])
            text_note_add(buf, size, "an empty entry (the current directory)");
        else if (!dynamic && entry[0] != '/')
            text_note_add(buf, size, "'%s' is relative (resolved against whatever directory "
                                     "the process runs in)", entry);
        else if (strstr(entry, "/stubs"))
            text_note_add(buf, size, "'%s' is a CUDA stubs directory (link-time stand-ins "
                                     "that fail at run time)", entry);
        else if (!dynamic && stat(entry, &st) != 0)
            text_note_add(buf, size, "'%s' does not exist on this machine (searched on every "
                                     "library load)", entry);
        if (!end)
            break;
        p = end + 1;
    }
}

static void env_write(py_lint *c, const char *name, TSNode value, TSNode at, void *ctx)
{
    (void)ctx;
    if (strcmp(name, "LD_LIBRARY_PATH") != 0)
        return;
    char shape[1024], entries[1024] = "";
    if (py_string_shape(&c->f, value, shape, sizeof shape))
        lint_libpath_entries(shape, entries, sizeof entries);
    lint_finding *f = py_finding(c, LINT_LIBPATH, at);
    c->ok = f &&
            lint_set_text(&f->what, "the script sets LD_LIBRARY_PATH: every process it starts "
                                    "searches these directories before the system's%s%s",
                          entries[0] ? "; " : "", entries) &&
            lint_set_text(&f->fix, "install the libraries where the loader finds them "
                                   "(ldconfig, an rpath, the package's own wheel) and leave "
                                   "LD_LIBRARY_PATH alone; if one directory is needed, add "
                                   "only that absolute, existing directory");
}

void py_rule_libpath(py_lint *c)
{
    py_env_writes(c, env_write, NULL);
}
