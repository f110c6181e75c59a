/* `hmlcost lint`: finds the four smells in a user's training code (Python,
 * read with tree-sitter) and in the shell launchers beside it (*.sh,
 * Dockerfile, *.env), and says for each finding which `hmlcost run`
 * experiment measures what it costs. Reads files; runs nothing. */
#ifndef HMLCOST_LINT_LINT_H
#define HMLCOST_LINT_LINT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

typedef enum lint_rule_id {
    LINT_MODEL_REUSE,
    LINT_MINIBATCH,
    LINT_LIBPATH,
    LINT_PARALLELISM,
    LINT_RULE_COUNT,
} lint_rule_id;

typedef struct lint_rule {
    const char *id;        /* the smell id of the catalogue (hmlcost smells) */
    const char *title;
    const char *rationale; /* why it costs, one paragraph */
} lint_rule;

const lint_rule *lint_rule_get(lint_rule_id id);
/* The rule for a smell id, or NULL. */
const lint_rule *lint_rule_find(const char *id, lint_rule_id *out);

typedef enum lint_language {
    LINT_LANG_PYTHON,
    LINT_LANG_SHELL,      /* *.sh and *.bash */
    LINT_LANG_DOCKERFILE, /* Dockerfile, *.dockerfile: ENV and RUN lines */
    LINT_LANG_ENVFILE,    /* *.env: VAR=VALUE lines */
} lint_language;

/* Where a finding's value can be changed for an experiment. */
typedef struct lint_knob {
    long value;            /* the value as written (threads, batch, builds); 0: none */
    char *flag;            /* a command-line flag that sets it (argparse), or NULL */
    size_t start, end;     /* bytes of the literal in the file that set it; start == end: none */
    bool quoted;           /* that literal is a string ("64") */
    unsigned line, col;    /* where that literal is */
} lint_knob;

typedef struct lint_finding {
    lint_rule_id rule;
    char *path;
    lint_language language;
    unsigned line, col;    /* 1-based; col counts bytes */
    unsigned end_line, end_col;
    char *what;            /* what was found and why it costs, one sentence or two */
    char *fix;
    char *followed;        /* how the value was resolved, or what was not followed; may be NULL */
    lint_knob knob;
} lint_finding;

/* A file that was not linted, or only partly (syntax errors), and why. */
typedef struct lint_note {
    char *path;
    char *text;
    bool skipped;          /* true: nothing in the file was linted */
} lint_note;

typedef struct lint_result {
    lint_finding *finding;
    size_t count, cap;
    lint_note *note;
    size_t note_count, note_cap;
    size_t files;          /* files linted (in full or in part) */
} lint_result;

/* What the rules compare values with. Tests fill it by hand. */
typedef struct lint_host {
    long cpus;                 /* the CPUs a workload may use */
    char cpus_source[160];     /* where cpus came from, for the findings */
    long max_batch;            /* batches above it are flagged */
    char max_batch_source[160];
} lint_host;

/* The largest batch not flagged unless --max-batch or a probe says
 * otherwise: an assumption, the study's reference batch (64) times 8; its
 * minibatch smell is 16 times (1024). */
enum { LINT_DEFAULT_MAX_BATCH = 512 };

/* Fills host from this machine (the CPUs this process may use) and the
 * default batch limit. */
hml_status lint_host_probe(lint_host *host, hml_err *err);

/* Replaces the probed CPU count and batch limit by the user's (0 keeps the
 * probed value); the source then names the option, which findings quote. */
void lint_host_override(lint_host *host, long cpus, long max_batch);

/* Files bigger than this are noted and skipped. */
enum { LINT_MAX_FILE_BYTES = 8 * 1024 * 1024 };

/* Lints files and directories (recursively: *.py, *.sh, *.bash, *.env,
 * Dockerfile*). Unreadable, binary, non-UTF-8 or oversized files become notes
 * and the walk goes on. Fails (HML_EUSAGE) only when a path given does not
 * exist or holds nothing lintable; findings are in file, line order. */
hml_status lint_paths(const char *const *paths, size_t count, const lint_host *host,
                      lint_result *out, hml_err *err);

/* Lints one text already in memory as the given language, adding to out
 * (kept in file, line order). */
hml_status lint_text(const char *path, lint_language language, const char *text, size_t len,
                     const lint_host *host, lint_result *out, hml_err *err);

/* Which language a file name is, false when lint does not read it. */
bool lint_language_of(const char *path, lint_language *out);
const char *lint_language_name(lint_language language);

void lint_result_free(lint_result *result);

#endif
