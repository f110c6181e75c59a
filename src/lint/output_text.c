/* A lint result for people: each finding with why, the fix, the value
 * followed and the experiment that prices it, then a closing count. */
#include <stdio.h>

#include "lint/output.h"
#include "lint/price.h"

void lint_result_text(FILE *out, const lint_result *r, const lint_host *host, int runs,
                      const char *const *verdicts)
{
    size_t per_rule[LINT_RULE_COUNT] = {0};
    for (size_t i = 0; i < r->count; i++) {
        const lint_finding *f = &r->finding[i];
        const lint_rule *rule = lint_rule_get(f->rule);
        per_rule[f->rule]++;
        lint_price p;
        lint_price_of(f, &p);
        char command[2048];
        lint_price_command(&p, runs, command, sizeof command);
        fprintf(out, "%s%s:%u:%u: %s: %s\n", i ? "\n" : "", f->path, f->line, f->col,
                rule->id, f->what ? f->what : rule->title);
        fprintf(out, "  why:      %s\n", rule->rationale);
        fprintf(out, "  fix:      %s\n", f->fix ? f->fix : "-");
        if (f->followed)
            fprintf(out, "  value:    %s\n", f->followed);
        fprintf(out, "  measure:  %s\n", command);
        if (p.placeholder[0])
            fprintf(out, "            (%s)\n", p.placeholder);
        if (verdicts && verdicts[i])
            fprintf(out, "  verdict:  %s\n", verdicts[i]);
    }
    if (r->count)
        fputc('\n', out);
    fprintf(out, "hmlcost lint: %zu finding%s", r->count, r->count == 1 ? "" : "s");
    const char *sep = " (";
    for (int k = 0; k < LINT_RULE_COUNT; k++) {
        if (per_rule[k]) {
            fprintf(out, "%s%zu %s", sep, per_rule[k], lint_rule_get((lint_rule_id)k)->id);
            sep = ", ";
        }
    }
    size_t skipped = 0;
    for (size_t i = 0; i < r->note_count; i++)
        skipped += r->note[i].skipped;
    fprintf(out, "%s in %zu file%s", r->count ? ")" : "", r->files, r->files == 1 ? "" : "s");
    if (skipped)
        fprintf(out, ", %zu skipped", skipped);
    fprintf(out, "; %ld CPUs (%s); batches above %ld flagged (%s)\n", host->cpus,
            host->cpus_source, host->max_batch, host->max_batch_source);
}
