/* Strict number parsers for what a user types (options, train arguments,
 * plan files): the whole text must be one number in [min, max]. Errors are
 * HML_EUSAGE, one line naming what was parsed:
 *   "<what>: expected an integer, got an empty value"
 *   "<what>: '<text>' is not an integer" / "... is not a finite number"
 *   "<what>: <text> is out of range [<min>, <max>]" */
#ifndef HMLCOST_COMMON_PARSE_NUMBER_H
#define HMLCOST_COMMON_PARSE_NUMBER_H

#include "common/error.h"

hml_status hml_parse_long(const char *what, const char *text, long min, long max, long *out,
                          hml_err *err);
hml_status hml_parse_double(const char *what, const char *text, double min, double max,
                            double *out, hml_err *err);

#endif
