/* The thermal design power of a CPU model, from a compiled-in table
 * (cpu_tdp_table.c, generated from CodeCarbon's cpu_power.csv), matched to
 * the model string the kernel reports ("model name" in /proc/cpuinfo).
 *
 * Matching, on normalised strings (lower case; "(R)", "(TM)", non-ASCII
 * marks, brackets and commas become spaces; the words "cpu" and "processor",
 * "N-core" and everything from " @ " on are dropped), only for names that
 * hold a word of the model string with a digit (a model number):
 *   1. a table name equal to the model string;
 *   2. else the table names all of whose words are words of the model string
 *      and one of which holds a digit (a model number): the one with the most
 *      words. A tie between different TDPs matches nothing (ambiguous).
 * So "AMD EPYC 7763 64-Core Processor" finds "AMD EPYC 7763"; "AMD EPYC"
 * or "Intel(R) Xeon(R) Processor" (what many VMs report) finds nothing. */
#ifndef HMLCOST_METER_CPU_TDP_H
#define HMLCOST_METER_CPU_TDP_H

#include <stddef.h>

typedef struct cpu_tdp_entry {
    const char *name; /* as in the table: "AMD EPYC 7763" */
    double tdp_w;
} cpu_tdp_entry;

extern const cpu_tdp_entry cpu_tdp_table[];
extern const size_t cpu_tdp_table_size;

typedef enum cpu_tdp_match {
    CPU_TDP_NONE,      /* no table name fits */
    CPU_TDP_EXACT,     /* rule 1 */
    CPU_TDP_WORDS,     /* rule 2 */
    CPU_TDP_AMBIGUOUS, /* rule 2 found names with different TDPs */
} cpu_tdp_match;

/* The normalised form of a model string: words separated by one space. */
void cpu_tdp_normalise(const char *model, char *out, size_t size);

/* Looks model up; *entry is the match (NULL unless EXACT or WORDS). */
cpu_tdp_match cpu_tdp_find(const char *model, const cpu_tdp_entry **entry);

#endif
