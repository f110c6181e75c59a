/* The report's statistical settings from text, by the name of the option
 * that sets each (--alpha, --min-runs, ...), with the ranges they accept. */
#ifndef HMLCOST_REPORT_OPTIONS_PARSE_H
#define HMLCOST_REPORT_OPTIONS_PARSE_H

#include "common/error.h"
#include "report/analysis.h"

/* Sets the option name (acc-margin in percentage points, alpha, min-runs,
 * resamples, seed, min-cost, stability-resamples) from value. Usage errors "--<name>: <why>" for a
 * value out of range or not a number, or a --min-cost list that does not
 * parse (checked now, before any input is read); o->min_cost keeps value
 * itself, which must outlive o. */
hml_status report_options_set(report_options *o, const char *name, const char *value,
                              hml_err *err);

#endif
