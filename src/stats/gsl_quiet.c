#include "stats/gsl_quiet.h"

#include <gsl/gsl_errno.h>

void stats_gsl_quiet(void) { gsl_set_error_handler_off(); }
