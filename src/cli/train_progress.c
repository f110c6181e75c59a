/* What `hmlcost train` shows while it trains, on stderr: on a terminal one
 * line rewritten in place (a bar, images/s, loss, ETA), elsewhere a line
 * per epoch. */
#include "cli/train_progress.h"

#include <stdio.h>

#include "workload/startup.h"

static void format_duration(double s, char *buf, size_t size)
{
    if (s < 0 || s > 1e7)
        snprintf(buf, size, "?");
    else if (s >= 3600)
        snprintf(buf, size, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
    else if (s >= 60)
        snprintf(buf, size, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else
        snprintf(buf, size, "%.0fs", s);
}

void train_progress_show(const workload_progress *p, void *user)
{
    train_progress *st = user;
    if (!st->tty) {
        if (p->epoch_done)
            fprintf(stderr, "epoch %d/%d: loss %.4f, %.0f images/s, %.1f s\n", p->epoch, p->epochs,
                    p->loss, p->images_per_s, p->epoch_elapsed_s);
        return;
    }
    double now = startup_now();
    if (!p->epoch_done && now - st->last_draw < 0.1)
        return;
    st->last_draw = now;
    enum { WIDTH = 24 };
    int filled = (int)((double)WIDTH * (double)p->images_done / (double)p->images_total);
    char bar[WIDTH + 1];
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < filled ? '=' : ' ';
    bar[WIDTH] = '\0';
    char eta[32];
    double left = p->images_per_s > 0
                      ? (double)(p->images_total - p->images_done) / p->images_per_s
                      : -1;
    format_duration(p->epoch_done ? p->epoch_elapsed_s : left, eta, sizeof eta);
    fprintf(stderr, "\r\033[Kepoch %d/%d [%s] %3.0f%%  %6.0f img/s  loss %.4f  %s %s",
            p->epoch, p->epochs, bar, 100.0 * (double)p->images_done / (double)p->images_total,
            p->images_per_s, p->loss, p->epoch_done ? "took" : "ETA", eta);
    if (p->epoch_done)
        fputc('\n', stderr);
    fflush(stderr);
}

