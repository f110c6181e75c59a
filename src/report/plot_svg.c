#include "report/plot_svg.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/escape.h"

/* Plot geometry in SVG user units (the SVG scales to its container). */
#define BOX_W 560.0
#define BOX_H 300.0
#define LINE_W 560.0
#define LINE_H 220.0
#define PAD_L 62.0
#define PAD_R 14.0
#define PAD_T 12.0
#define AXIS_COLOR "#444"
#define GRID_COLOR "#e3e3e3"

double svg_nice_step(double lo, double hi, int target, double *first)
{
    double span = hi - lo;
    if (!(span > 0))
        span = fabs(hi) > 0 ? fabs(hi) : 1;
    double raw = span / (target > 0 ? target : 5);
    double mag = pow(10, floor(log10(raw)));
    double norm = raw / mag;
    double step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
    *first = ceil(lo / step - 1e-9) * step;
    return step;
}

/* Deterministic jitter in [-1, 1] for point i of group g (a hash, so the
 * same report draws the same picture). */
static double jitter(size_t g, size_t i)
{
    uint32_t h = (uint32_t)(g * 2654435761u) ^ (uint32_t)(i * 2246822519u + 0x9E3779B9u);
    h ^= h >> 15;
    h *= 2246822519u;
    h ^= h >> 13;
    h *= 3266489917u;
    h ^= h >> 16;
    return (h & 0xFFFF) / 32767.5 - 1;
}

/* A tick label with as many decimals as the step needs: 30, 32.5, 0.24. */
static void tick_label(double t, double step, char *buf, size_t size)
{
    int decimals = 0;
    for (double unit = 1; decimals < 10 && fabs(step - round(step / unit) * unit) > step * 1e-6;
         unit /= 10)
        decimals++;
    if (fabs(t) < step * 1e-9)
        t = 0;
    if (fabs(t) >= 1e7 || (t != 0 && fabs(t) < 1e-4))
        snprintf(buf, size, "%.3g", t);
    else
        snprintf(buf, size, "%.*f", decimals, t);
}

/* The y range [lo, hi] of the data, padded, and ticks over it. */
static void y_range(double lo, double hi, double *out_lo, double *out_hi)
{
    if (!isfinite(lo) || !isfinite(hi)) {
        lo = 0;
        hi = 1;
    }
    double span = hi - lo;
    if (span <= 0)
        span = fabs(hi) > 0 ? fabs(hi) * 0.1 : 1;
    *out_lo = lo - span * 0.08;
    *out_hi = hi + span * 0.08;
}

static void y_axis(FILE *out, double lo, double hi, double top, double bottom, double left,
                   double right, const char *label)
{
    double first;
    double step = svg_nice_step(lo, hi, 5, &first);
    for (double t = first; t <= hi + step * 1e-9; t += step) {
        double y = bottom - (t - lo) / (hi - lo) * (bottom - top);
        char text[32];
        tick_label(t, step, text, sizeof text);
        fprintf(out,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" GRID_COLOR
                "\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"tick\">%s</text>\n",
                left, y, right, y, left - 6, y + 4, text);
    }
    fprintf(out,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" AXIS_COLOR "\"/>\n",
            left, top, left, bottom);
    fprintf(out,
            "<text transform=\"translate(14 %.1f) rotate(-90)\" text-anchor=\"middle\" "
            "class=\"axis\">",
            (top + bottom) / 2);
    escape_html_fputs(out, label);
    fputs("</text>\n", out);
}

/* The <svg> element with its label, the y axis over [lo, hi] and the x
 * axis line along the bottom of the plot area. */
static void plot_open(FILE *out, double width, double height, const char *aria_label, double lo,
                      double hi, double top, double bottom, double left, double right,
                      const char *y_label)
{
    fprintf(out,
            "<svg class=\"plot\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
            "xmlns=\"http://www.w3.org/2000/svg\" aria-label=\"",
            width, height);
    escape_html_fputs(out, aria_label);
    fputs("\">\n", out);
    y_axis(out, lo, hi, top, bottom, left, right, y_label);
    fprintf(out,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" AXIS_COLOR "\"/>\n",
            left, bottom, right, bottom);
}

void svg_box_strip(FILE *out, const svg_box_group *groups, size_t n_groups, const char *y_label,
                   const char *aria_label)
{
    double lo = INFINITY, hi = -INFINITY;
    size_t longest = 0;
    for (size_t g = 0; g < n_groups; g++) {
        for (size_t i = 0; i < groups[g].n_points; i++) {
            lo = fmin(lo, groups[g].points[i]);
            hi = fmax(hi, groups[g].points[i]);
        }
        size_t len = strlen(groups[g].label);
        longest = len > longest ? len : longest;
    }
    y_range(lo, hi, &lo, &hi);
    double band = (BOX_W - PAD_L - PAD_R) / (double)(n_groups ? n_groups : 1);
    /* arm names at an angle when they do not fit their band (about 6.5 units a character) */
    bool slanted = longest * 6.5 > band - 6;
    double pad_b = slanted ? 18 + fmin(longest, 28) * 4.8 : 30;
    double top = PAD_T, bottom = BOX_H - pad_b, left = PAD_L, right = BOX_W - PAD_R;
    plot_open(out, BOX_W, BOX_H, aria_label, lo, hi, top, bottom, left, right, y_label);
#define Y(v) (bottom - ((v) - lo) / (hi - lo) * (bottom - top))
    for (size_t g = 0; g < n_groups; g++) {
        const svg_box_group *G = &groups[g];
        double cx = left + band * ((double)g + 0.5);
        double bw = fmin(56, band * 0.5);
        fprintf(out, "<g class=\"arm\">\n");
        if (G->n_points > 0 && isfinite(G->q1)) {
            /* whiskers, box, median, mean */
            fprintf(out,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
                    cx, Y(G->whisker_hi), cx, Y(G->q3), G->color, cx, Y(G->q1), cx,
                    Y(G->whisker_lo), G->color);
            fprintf(out,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
                    cx - bw / 4, Y(G->whisker_hi), cx + bw / 4, Y(G->whisker_hi), G->color,
                    cx - bw / 4, Y(G->whisker_lo), cx + bw / 4, Y(G->whisker_lo), G->color);
            fprintf(out,
                    "<rect class=\"box\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                    "fill=\"%s\" fill-opacity=\"0.16\" stroke=\"%s\"/>\n",
                    cx - bw / 2, Y(G->q3), bw, fmax(Y(G->q1) - Y(G->q3), 0.5), G->color, G->color);
            fprintf(out,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    "stroke-width=\"2.5\"/>\n",
                    cx - bw / 2, Y(G->median), cx + bw / 2, Y(G->median), G->color);
        }
        for (size_t i = 0; i < G->n_points; i++) {
            double px = cx + jitter(g, i) * bw * 0.32, py = Y(G->points[i]);
            fprintf(out,
                    "<circle class=\"run\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\" "
                    "fill-opacity=\"0.75\" stroke=\"#fff\" stroke-width=\"0.6\">",
                    px, py, G->color);
            if (G->point_titles) {
                fputs("<title>", out);
                escape_html_fputs(out, G->point_titles[i]);
                fputs("</title>", out);
            }
            fputs("</circle>\n", out);
        }
        if (G->n_points > 0 && isfinite(G->mean)) {
            double my = Y(G->mean);
            fprintf(out,
                    "<path class=\"mean\" d=\"M%.1f %.1fl4.5 4.5l-4.5 4.5l-4.5 -4.5z\" "
                    "fill=\"#fff\" stroke=\"#111\" stroke-width=\"1.2\"><title>mean</title>"
                    "</path>\n",
                    cx + bw / 2 + 8, my - 4.5);
        }
        if (G->n_points == 0)
            fprintf(out,
                    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"tick\">no "
                    "data</text>\n",
                    cx, (top + bottom) / 2);
        if (slanted)
            fprintf(out,
                    "<text transform=\"translate(%.1f %.1f) rotate(-32)\" text-anchor=\"end\" "
                    "class=\"label\">",
                    cx + 4, bottom + 14);
        else
            fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"label\">",
                    cx, bottom + 18);
        escape_html_fputs(out, G->label);
        fputs("</text>\n</g>\n", out);
    }
#undef Y
    fputs("</svg>\n", out);
}

void svg_line_chart(FILE *out, const svg_series *s, const char *y_label, const char *aria_label)
{
    double lo = INFINITY, hi = -INFINITY, t0 = INFINITY, t1 = -INFINITY;
    for (size_t i = 0; i < s->n; i++) {
        lo = fmin(lo, s->v[i]);
        hi = fmax(hi, s->v[i]);
        t0 = fmin(t0, s->t[i]);
        t1 = fmax(t1, s->t[i]);
    }
    /* memory and CPU use read best from zero */
    if (!isfinite(lo) || !isfinite(hi)) {
        lo = 0;
        hi = 1;
    }
    if (lo >= 0) {
        lo = 0;
        hi = hi > 0 ? hi * 1.08 : 1;
    } else {
        y_range(lo, hi, &lo, &hi);
    }
    if (t0 > 0)
        t0 = 0; /* the time axis starts at the run's start */
    if (!(t1 > t0)) {
        t0 = 0;
        t1 = t1 > 0 ? t1 : 1;
    }
    double top = PAD_T, bottom = LINE_H - 34, left = PAD_L, right = LINE_W - PAD_R;
    plot_open(out, LINE_W, LINE_H, aria_label, lo, hi, top, bottom, left, right, y_label);
    double first;
    double step = svg_nice_step(t0, t1, 6, &first);
#define X(t) (left + ((t) - t0) / (t1 - t0) * (right - left))
#define Y(v) (bottom - ((v) - lo) / (hi - lo) * (bottom - top))
    for (double t = first; t <= t1 + step * 1e-9; t += step) {
        char text[32];
        tick_label(t, step, text, sizeof text);
        fprintf(out,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" AXIS_COLOR
                "\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"tick\">%s</text>\n",
                X(t), bottom, X(t), bottom + 4, X(t), bottom + 16, text);
    }
    fprintf(out,
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"axis\">time since start "
            "(s)</text>\n",
            (left + right) / 2, LINE_H - 4);
    if (s->n > 0) {
        fprintf(out, "<path class=\"area\" fill=\"%s\" fill-opacity=\"0.12\" d=\"M%.1f %.1f",
                s->color, X(s->t[0]), Y(fmax(lo, 0)));
        for (size_t i = 0; i < s->n; i++)
            fprintf(out, "L%.1f %.1f", X(s->t[i]), Y(s->v[i]));
        fprintf(out, "L%.1f %.1fz\"/>\n", X(s->t[s->n - 1]), Y(fmax(lo, 0)));
        fprintf(out, "<path class=\"series\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.8\" d=\"",
                s->color);
        for (size_t i = 0; i < s->n; i++)
            fprintf(out, "%s%.1f %.1f", i ? "L" : "M", X(s->t[i]), Y(s->v[i]));
        fputs("\"/>\n", out);
        if (s->n <= 60) /* few samples: show where they are */
            for (size_t i = 0; i < s->n; i++)
                fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.2\" fill=\"%s\"/>\n",
                        X(s->t[i]), Y(s->v[i]), s->color);
    }
#undef X
#undef Y
    fputs("</svg>\n", out);
}
