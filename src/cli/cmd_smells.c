/* `hmlcost smells [--json]`: prints the smell catalogue (src/smells). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "smells/catalogue.h"
#include "smells/catalogue_json.h"

static const char *external_text(const smell_info *s)
{
    return s->external == SMELL_EXTERNAL_ENVIRONMENT ? "any command (through the environment)"
                                                     : "only a command that takes";
}

static void print_text(void)
{
    size_t n, n_variants;
    const smell_info *smells = smell_catalogue(&n);
    const smell_variant *variants = smell_variants(&n_variants);
    for (size_t i = 0; i < n; i++) {
        const smell_info *s = &smells[i];
        printf("%s%s  %s\n", i ? "\n" : "", s->id, s->title);
        printf("  changes:    %s\n", s->changes);
        printf("  treatment:  %s\n", s->default_treatment);
        printf("  external:   %s%s%s\n", external_text(s), s->placeholder ? " " : "",
               s->placeholder ? s->placeholder : "");
        printf("  metrics:    ");
        for (const char *const *m = s->metrics; *m; m++)
            printf("%s%s", m == s->metrics ? "" : ", ", *m);
        printf("\n  doctor:     %s checks\n", s->doctor_family);
        for (size_t v = 0; v < n_variants; v++)
            if (strcmp(variants[v].smell, s->id) == 0)
                printf("  arm:        %-19s %s%s\n", variants[v].name, variants[v].treatment,
                       variants[v].is_default ? "" : " (on request)");
    }
}

static int print_json(void)
{
    return cli_print_json("smells", smell_catalogue_json());
}

int cmd_smells(int argc, char **argv)
{
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: hmlcost smells [--json]\n\n"
                   "Lists the smells hmlcost can inject and measure: what each changes, its\n"
                   "default treatment, whether it applies to an external --workload command,\n"
                   "and the metrics it is expected to move. Use the ids with\n"
                   "'hmlcost run --smell'.\n\n"
                   "  --json   one JSON array on stdout\n");
            return CLI_EXIT_OK;
        }
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else
            return cli_usage_error("smells: unexpected argument '%s'", argv[i]);
    }
    if (json)
        return print_json();
    print_text();
    return CLI_EXIT_OK;
}
