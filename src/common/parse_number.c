#include "common/parse_number.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

hml_status hml_parse_long(const char *what, const char *text, long min, long max, long *out,
                          hml_err *err)
{
    if (!text || !*text)
        return hml_fail(err, HML_EUSAGE, "%s: expected an integer, got an empty value", what);
    errno = 0;
    char *end = NULL;
    long value = strtol(text, &end, 10);
    if (*end != '\0')
        return hml_fail(err, HML_EUSAGE, "%s: '%s' is not an integer", what, text);
    if (errno == ERANGE || value < min || value > max)
        return hml_fail(err, HML_EUSAGE, "%s: %s is out of range [%ld, %ld]", what, text, min,
                        max);
    *out = value;
    return HML_OK;
}

hml_status hml_parse_double(const char *what, const char *text, double min, double max,
                            double *out, hml_err *err)
{
    if (!text || !*text)
        return hml_fail(err, HML_EUSAGE, "%s: expected a number, got an empty value", what);
    errno = 0;
    char *end = NULL;
    double value = strtod(text, &end);
    if (*end != '\0' || !isfinite(value))
        return hml_fail(err, HML_EUSAGE, "%s: '%s' is not a finite number", what, text);
    if (errno == ERANGE || value < min || value > max)
        return hml_fail(err, HML_EUSAGE, "%s: %s is out of range [%g, %g]", what, text, min,
                        max);
    *out = value;
    return HML_OK;
}
