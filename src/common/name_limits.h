/* The one limit on each kind of name, shared by every place that takes one
 * (a plan, the command line, the store, a CSV) or keeps one (reports): a
 * name that fits is kept whole everywhere; a longer one is refused where it
 * is given. */
#ifndef HMLCOST_COMMON_NAME_LIMITS_H
#define HMLCOST_COMMON_NAME_LIMITS_H

#define ARM_NAME_MAX 64         /* bytes, without the terminating NUL */
#define EXPERIMENT_NAME_MAX 127 /* --name, a plan's name, CodeCarbon's project_name */

#endif
