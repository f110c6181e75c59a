/* The workload's result as the one JSON line of docs/contracts.md. */
#ifndef HMLCOST_WORKLOAD_RESULT_JSON_H
#define HMLCOST_WORKLOAD_RESULT_JSON_H

#include "common/error.h"
#include "workload/workload.h"

enum { WORKLOAD_RESULT_SCHEMA = 1 };

/* A malloc'ed single line (no newline) holding every contract key plus
 * `smells`, `startup` and a few extra facts (optimizer, lr, test_loss,
 * last_batch). Non-finite numbers (a diverged loss) become null. */
hml_status workload_result_json(const workload_result *result, char **out, hml_err *err);

/* The result line (workload_result_json and a newline) written whole to fd. */
hml_status workload_result_write(int fd, const workload_result *result, hml_err *err);

#endif
