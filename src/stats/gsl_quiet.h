/* GSL's default error handler calls abort(); numbers a user stored must never
 * crash hmlcost, so every entry point of the stats room turns it off first and
 * checks return values (NaN results) instead. */
#ifndef HMLCOST_STATS_GSL_QUIET_H
#define HMLCOST_STATS_GSL_QUIET_H

void stats_gsl_quiet(void);

#endif
