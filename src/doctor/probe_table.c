#include "doctor/probe_table.h"

#include <math.h>
#include <stdio.h>

static void cell(dtext *out, int width, int precision, double v);

static void row(dtext *out, const probe_trial *t, const char *label)
{
    text_printf(out, "  %6ld %7ld", t->batch, t->threads);
    if (!t->ran) {
        text_printf(out, " %10s %8s %11s %9s %8s  %s\n", "-", "-", "-", "-", "-", t->note);
        return;
    }
    cell(out, 10, 0, t->images_per_s);
    cell(out, 8, 2, t->wall_s);
    cell(out, 11, 2, t->energy_per_image_j * 1e3);
    cell(out, 9, 0, t->peak_rss_bytes / 1048576.0);
    cell(out, 8, 4, t->loss);
    text_printf(out, "  %s\n", label);
}

static void cell(dtext *out, int width, int precision, double v)
{
    if (isfinite(v))
        text_printf(out, " %*.*f", width, precision, v);
    else
        text_printf(out, " %*s", width, "-");
}

void probe_table_text(const probe_result *r, dtext *out)
{
    const char *method = "";
    bool by_rate = false;
    for (size_t i = 0; i < r->count; i++) {
        if (r->trial[i].ran && r->trial[i].energy_method[0])
            method = r->trial[i].energy_method;
        by_rate = by_rate || (r->trial[i].ran && r->trial[i].images_per_s > 0);
    }
    text_printf(out, "probe of %s on %s, %s, %.0f s", r->workload, r->host, r->measured_at,
                r->seconds);
    if (isfinite(r->load_before) && isfinite(r->load_after))
        text_printf(out, ", load average %.1f before and %.1f after (the figures hold for that "
                         "load)", r->load_before, r->load_after);
    text_printf(out, ":\n");
    text_printf(out, "  %6s %7s %10s %8s %11s %9s %8s  %s\n", "batch", "threads", "images/s",
                "wall s", "mJ/image", "peak MiB", "loss", "");
    for (size_t i = 0; i < r->count; i++)
        row(out, &r->trial[i], i == 0 ? "(the workload's setting)" : "");
    row(out, &r->control, "(the workload's setting again: the noise)");
    if (isfinite(r->noise))
        text_printf(out, "  noise: the workload's setting measured %.0f%% apart at the start and "
                         "the end; smaller differences are not called gains\n", r->noise * 100);
    else
        text_printf(out, "  noise: unknown (the workload's setting was not measured twice); no "
                         "difference is called a gain\n");
    text_printf(out, "  images/s: the workload's training rate%s; energy per image: the whole "
                     "process's energy (cpu: %s) / images trained; peak: RSS of the process "
                     "tree; loss: training loss after the trial (an accuracy proxy: fewer "
                     "steps at larger batches)\n",
                by_rate ? "" : " (not reported: trials ranked by wall time)",
                method[0] ? method : "unknown");
}

static const char *plural(long n)
{
    return n == 1 ? "" : "s";
}

void probe_recommendation_text(const probe_result *r, dtext *out)
{
    const probe_trial *own = probe_find(r, r->batch, r->threads);
    const probe_trial *best = probe_fastest(r, 0, 0);
    if (!own || !best) {
        text_printf(out, "none: the workload's own setting was not measured");
        return;
    }
    double gain, least = probe_min_gain(r);
    if (!probe_beats(r, own, best, &gain)) {
        if (isfinite(least))
            text_printf(out, "keep batch %ld with %ld thread%s: no setting measured more than "
                             "%.0f%% faster", own->batch, own->threads, plural(own->threads),
                        least * 100);
        else
            text_printf(out, "none: the noise of this probe is unknown");
        if (best != own)
            text_printf(out, " (best: batch %ld with %ld thread%s, %+.1f%%)", best->batch,
                        best->threads, plural(best->threads), gain * 100);
        return;
    }
    text_printf(out, "batch %ld with %ld thread%s: %+.0f%% ", best->batch, best->threads,
                plural(best->threads), gain * 100);
    if (best->images_per_s > 0 && own->images_per_s > 0)
        text_printf(out, "images/s (%.0f vs %.0f)", best->images_per_s, own->images_per_s);
    else
        text_printf(out, "speed (%.2f s vs %.2f s)", best->wall_s, own->wall_s);
    text_printf(out, " over the workload's batch %ld with %ld thread%s", own->batch, own->threads,
                plural(own->threads));
    if (isfinite(best->energy_per_image_j) && isfinite(own->energy_per_image_j) &&
        own->energy_per_image_j > 0)
        text_printf(out, ", %+.0f%% energy per image",
                    (best->energy_per_image_j / own->energy_per_image_j - 1) * 100);
    if (isfinite(best->loss) && isfinite(own->loss))
        text_printf(out, ", loss after the probe %.4f vs %.4f", best->loss, own->loss);
}
