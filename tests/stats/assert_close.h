/* A floating-point comparison with a tolerance that prints both values. */
#ifndef HMLCOST_TESTS_STATS_ASSERT_CLOSE_H
#define HMLCOST_TESTS_STATS_ASSERT_CLOSE_H

#include <math.h>

/* |actual - expected| <= tol, printing both when not */
#define assert_close(actual, expected, tol)                                                        \
    do {                                                                                           \
        double a_ = (actual), e_ = (expected), t_ = (tol);                                         \
        if (!(fabs(a_ - e_) <= t_))                                                                \
            fail_msg("%s = %.17g, expected %.17g (tolerance %g)", #actual, a_, e_, t_);            \
    } while (0)

#endif
