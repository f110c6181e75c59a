/* Errors: functions return an hml_status and fill an hml_err; only src/cli/
 * prints messages and chooses exit statuses (DESIGN.md, "Errors"). */
#ifndef HMLCOST_COMMON_ERROR_H
#define HMLCOST_COMMON_ERROR_H

typedef enum hml_status {
    HML_OK = 0,
    HML_EUSAGE = 2,    /* the user's input is wrong: exit status 2 */
    HML_ESYSTEM = 3,   /* the machine failed us (I/O, memory, a library) */
    HML_EINTERNAL = 4, /* a bug in hmlcost */
} hml_status;

typedef struct hml_err {
    hml_status status;
    char msg[1024]; /* one line, "<what>: <why>", no trailing newline */
} hml_err;

/* Fills err (when not NULL) with a printf-style message and returns status,
 * so callers can write `return hml_fail(err, HML_EUSAGE, "...", ...);`. */
hml_status hml_fail(hml_err *err, hml_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends "<context>: " to an existing message (keeps the status). */
hml_status hml_wrap(hml_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void hml_err_clear(hml_err *err);

#endif
