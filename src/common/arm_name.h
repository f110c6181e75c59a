/* The one limit on an arm's name, shared by every place that takes one (a
 * plan, the store, a CSV) or keeps one (reports): a name that fits is kept
 * whole everywhere; a longer one is refused where it is given. */
#ifndef HMLCOST_COMMON_ARM_NAME_H
#define HMLCOST_COMMON_ARM_NAME_H

#define ARM_NAME_MAX 64 /* bytes, without the terminating NUL */

#endif
