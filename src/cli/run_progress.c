#include "cli/run_progress.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/escape.h"
#include "common/text.h"
#include "meter/clock.h"
#include "report/measurement.h"

void run_progress_init(run_progress *pr)
{
    memset(pr, 0, sizeof *pr);
    pr->tty = cli_stderr_is_tty();
    pr->width = 80;
    struct winsize ws;
    if (pr->tty && ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        pr->width = ws.ws_col;
}

void run_progress_end(run_progress *pr)
{
    if (pr->line_open)
        fputc('\n', stderr);
    pr->line_open = false;
}

/* Rewrites the terminal's status line, cut to its width so it never wraps. */
static void status_line(run_progress *pr, const char *text)
{
    int room = pr->width > 1 ? pr->width - 1 : 79;
    fprintf(stderr, "\r\033[K%.*s", room, text);
    fflush(stderr);
    pr->line_open = true;
}

static double metric(const meter_metrics *m, const char *name)
{
    const meter_metric *x = m ? meter_metrics_find(m, name) : NULL;
    return x ? x->value : NAN;
}

static void describe_run(char *out, size_t size, const runner_event *ev)
{
    char name[256], reason[256];
    escape_text(name, sizeof name, ev->arm->name);
    escape_text(reason, sizeof reason, ev->reason);
    text_format(out, size, "%s #%ld %s%s%s%s", name, ev->run_index,
                store_run_status_name(ev->status), ev->reason ? " (" : "", reason,
                ev->reason ? ")" : "");
    size_t used = strlen(out);
    /* A run that never started has no figures: say so, not "nan". */
    if (!isfinite(metric(ev->metrics, "wall_s"))) {
        text_format(out + used, size - used, ", nothing measured");
        return;
    }
    char rss[32], energy[48];
    report_fmt_bytes(metric(ev->metrics, "peak_rss_bytes"), rss, sizeof rss);
    report_fmt_joules(metric(ev->metrics, "energy_total_j"), energy, sizeof energy);
    const meter_metric *cpu_j = ev->metrics ? meter_metrics_find(ev->metrics, "energy_cpu_j") : NULL;
    const char *how = !cpu_j                                      ? "not measured"
                      : strncmp(cpu_j->method, "estimate", 8) == 0 ? "estimate"
                                                                   : "counters";
    text_format(out + used, size - used, " wall %.3f s, cpu %.3f s, peak %s, energy %s (%s)",
                metric(ev->metrics, "wall_s"), metric(ev->metrics, "cpu_s"), rss, energy, how);
}

static void on_start(const runner_event *ev)
{
    if (ev->leftovers_ended > 0)
        fprintf(stderr,
                "hmlcost run: ended %d process%s that a crashed run on this store had left "
                "running\n",
                ev->leftovers_ended, ev->leftovers_ended == 1 ? "" : "es");
    if (ev->resumed)
        fprintf(stderr, "hmlcost run: resuming experiment %lld: %zu of %zu runs stored\n",
                (long long)ev->experiment_id, ev->done, ev->total);
    else
        fprintf(stderr, "hmlcost run: experiment %lld: %zu runs\n",
                (long long)ev->experiment_id, ev->total);
}

void run_progress_event(void *ctx, const runner_event *ev)
{
    run_progress *pr = ctx;
    char line[512];
    switch (ev->kind) {
    case RUNNER_EVENT_START:
        on_start(ev);
        return;
    case RUNNER_EVENT_WARMUP_DONE:
        describe_run(line, sizeof line, ev);
        if (pr->tty) {
            char text[600];
            text_format(text, sizeof text, "warm-up: %s", line);
            status_line(pr, text);
        } else {
            fprintf(stderr, "hmlcost run: warm-up %s\n", line);
        }
        return;
    case RUNNER_EVENT_RUN_BEGIN:
        if (pr->tty) {
            char eta[32] = "?", text[600];
            if (ev->eta_s >= 0)
                clock_format_duration(ev->eta_s, eta, sizeof eta);
            char name[256];
            text_format(text, sizeof text, "[%zu/%zu] %3.0f%% ETA %s | running %s #%ld%s%s",
                     ev->done, ev->total, 100.0 * (double)ev->done / (double)ev->total, eta,
                     escape_text(name, sizeof name, ev->arm->name), ev->run_index,
                     pr->last[0] ? " | last: " : "", pr->last);
            status_line(pr, text);
        }
        return;
    case RUNNER_EVENT_RUN_DONE:
        describe_run(line, sizeof line, ev);
        text_format(pr->last, sizeof pr->last, "%s", line);
        if (pr->tty) {
            char eta[32], text[600];
            clock_format_duration(ev->eta_s, eta, sizeof eta);
            text_format(text, sizeof text, "[%zu/%zu] %3.0f%% ETA %s | %s", ev->done, ev->total,
                     100.0 * (double)ev->done / (double)ev->total, eta, line);
            status_line(pr, text);
        } else {
            fprintf(stderr, "hmlcost run: %zu/%zu %s\n", ev->done, ev->total, line);
        }
        return;
    }
}
