/* Which files to lint, reading them safely, and the walk over directories:
 * a bad file becomes a note and the walk goes on. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/utf8.h"
#include "lint/lint_internal.h"

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

bool lint_language_of(const char *path, lint_language *out)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (ends_with(base, ".py"))
        *out = LINT_LANG_PYTHON;
    else if (ends_with(base, ".sh") || ends_with(base, ".bash"))
        *out = LINT_LANG_SHELL;
    else if (strncmp(base, "Dockerfile", 10) == 0 || ends_with(base, ".dockerfile") ||
             strcmp(base, "Containerfile") == 0)
        *out = LINT_LANG_DOCKERFILE;
    else if (ends_with(base, ".env") || strcmp(base, ".env") == 0)
        *out = LINT_LANG_ENVFILE;
    else
        return false;
    return true;
}

const char *lint_language_name(lint_language language)
{
    switch (language) {
    case LINT_LANG_PYTHON: return "python";
    case LINT_LANG_SHELL: return "shell";
    case LINT_LANG_DOCKERFILE: return "dockerfile";
    case LINT_LANG_ENVFILE: return "env";
    }
    return "unknown";
}

/* The language of a file named on the command line without a known
 * extension, from its #! line. */
static bool language_of_shebang(const char *text, size_t len, lint_language *out)
{
    if (len < 2 || text[0] != '#' || text[1] != '!')
        return false;
    const char *nl = memchr(text, '\n', len);
    size_t n = nl ? (size_t)(nl - text) : len;
    if (memmem(text, n, "python", 6))
        *out = LINT_LANG_PYTHON;
    else if (memmem(text, n, "sh", 2))
        *out = LINT_LANG_SHELL;
    else
        return false;
    return true;
}

/* Where text stops being UTF-8, or len when it is valid throughout. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
    size_t i = 0, n;
    uint32_t cp;
    while (i < len && (n = utf8_sequence(s + i, len - i, &cp)))
        i += n;
    return i;
}

static unsigned line_of(const char *s, size_t at)
{
    unsigned line = 1;
    for (size_t i = 0; i < at; i++)
        line += s[i] == '\n';
    return line;
}

/* lint_text without the sort: lint_paths sorts once, after the last file. */
static hml_status lint_text_unsorted(const char *path, lint_language language,
                                     const char *text, size_t len, const lint_host *host,
                                     lint_result *out, hml_err *err)
{
    if (memchr(text, '\0', len)) {
        return lint_result_note(out, path, true, "binary file (it holds NUL bytes), skipped")
                   ? HML_OK : hml_fail(err, HML_ESYSTEM, "out of memory");
    }
    size_t bad = utf8_invalid_at((const unsigned char *)text, len);
    if (bad < len) {
        return lint_result_note(out, path, true, "not UTF-8 (byte 0x%02x at line %u), skipped",
                                (unsigned char)text[bad], line_of(text, bad))
                   ? HML_OK : hml_fail(err, HML_ESYSTEM, "out of memory");
    }
    return language == LINT_LANG_PYTHON
               ? lint_python(path, text, len, host, out, err)
               : lint_launcher(path, language, text, len, host, out, err);
}

hml_status lint_text(const char *path, lint_language language, const char *text, size_t len,
                     const lint_host *host, lint_result *out, hml_err *err)
{
    hml_status st = lint_text_unsorted(path, language, text, len, host, out, err);
    lint_result_sort(out);
    return st;
}

static hml_status note(lint_result *out, const char *path, hml_err *err, const char *why)
{
    return lint_result_note(out, path, true, "%s", why) ? HML_OK
                                                        : hml_fail(err, HML_ESYSTEM, "out of memory");
}

hml_status lint_read_source(const char *path, char **text, size_t *len, char *why,
                            size_t why_size)
{
    *text = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, why_size, "cannot read: %s", strerror(errno));
        return HML_EUSAGE;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        snprintf(why, why_size, "not a regular file, skipped");
        return HML_EUSAGE;
    }
    if (st.st_size > LINT_MAX_FILE_BYTES) {
        close(fd);
        snprintf(why, why_size, "%.1f MiB, above the %d MiB lint reads, skipped",
                 (double)st.st_size / 1048576.0, LINT_MAX_FILE_BYTES / 1048576);
        return HML_EUSAGE;
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size + 1);
    if (!buf) {
        close(fd);
        snprintf(why, why_size, "out of memory");
        return HML_ESYSTEM;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    int read_errno = errno;
    close(fd);
    if (got < size) {
        free(buf);
        snprintf(why, why_size, "cannot read: %s", got ? "it shrank while being read"
                                                      : strerror(read_errno));
        return HML_EUSAGE;
    }
    buf[got] = '\0';
    *text = buf;
    *len = got;
    return HML_OK;
}

/* Reads and lints one file; problems with the file are notes. */
static hml_status lint_file(const char *path, bool named, const lint_host *host,
                            lint_result *out, hml_err *err)
{
    char why[256];
    lint_language language = LINT_LANG_PYTHON;
    bool known = lint_language_of(path, &language);
    char *text = NULL;
    size_t len = 0;
    hml_status st = lint_read_source(path, &text, &len, why, sizeof why);
    if (st == HML_EUSAGE)
        return note(out, path, err, why);
    if (st != HML_OK)
        return hml_fail(err, st, "%s: %s", path, why);
    if (!known && !(named && language_of_shebang(text, len, &language)))
        st = note(out, path, err, "not a Python file, shell launcher, Dockerfile or .env file, "
                                  "skipped");
    else
        st = lint_text_unsorted(path, language, text, len, host, out, err);
    free(text);
    return st;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lints a directory's lintable files and subdirectories in name order;
 * hidden directories, __pycache__ and symbolic links to directories are
 * not entered (no loops). */
static hml_status lint_dir(const char *path, const lint_host *host, lint_result *out,
                           hml_err *err, int depth)
{
    if (depth > 64)
        return note(out, path, err, "nested too deep, skipped");
    DIR *d = opendir(path);
    if (!d) {
        char why[256];
        snprintf(why, sizeof why, "cannot read: %s", strerror(errno));
        return note(out, path, err, why);
    }
    char **names = NULL;
    size_t count = 0, cap = 0;
    hml_status st = HML_OK;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "__pycache__") == 0 ||
            strcmp(e->d_name, "node_modules") == 0)
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 32;
            char **p = realloc(names, cap * sizeof *names);
            if (!p) {
                st = hml_fail(err, HML_ESYSTEM, "out of memory");
                break;
            }
            names = p;
        }
        if (asprintf(&names[count], "%s%s%s", path, ends_with(path, "/") ? "" : "/",
                     e->d_name) < 0) {
            st = hml_fail(err, HML_ESYSTEM, "out of memory");
            break;
        }
        count++;
    }
    closedir(d);
    if (count)
        qsort(names, count, sizeof *names, by_name);
    for (size_t i = 0; i < count; i++) {
        struct stat ls;
        lint_language lang;
        if (st == HML_OK && lstat(names[i], &ls) == 0) {
            if (S_ISDIR(ls.st_mode))
                st = lint_dir(names[i], host, out, err, depth + 1);
            else if (lint_language_of(names[i], &lang) && !S_ISLNK(ls.st_mode))
                st = lint_file(names[i], false, host, out, err);
        }
        free(names[i]);
    }
    free(names);
    return st;
}

hml_status lint_paths(const char *const *paths, size_t count, const lint_host *host,
                      lint_result *out, hml_err *err)
{
    hml_status s = HML_OK;
    for (size_t i = 0; i < count && s == HML_OK; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            char why[256];
            snprintf(why, sizeof why, "cannot read: %s", strerror(errno));
            s = note(out, paths[i], err, why);
        } else if (S_ISDIR(st.st_mode)) {
            s = lint_dir(paths[i], host, out, err, 0);
        } else {
            s = lint_file(paths[i], true, host, out, err);
        }
    }
    lint_result_sort(out);
    if (s != HML_OK)
        return s;
    if (!out->files)
        return hml_fail(err, HML_EUSAGE, "nothing to lint in %s%s (Python files, *.sh, "
                        "Dockerfile, *.env)", paths[0], count > 1 ? " and the other paths" : "");
    return HML_OK;
}
