/* Inline SVG figures for the HTML report: box-and-strip plots (one box per
 * arm with every run as a point) and line charts of a time series. The
 * numbers come in ready (quartiles from the analysis, points from the data);
 * this file only draws. */
#ifndef HMLCOST_REPORT_PLOT_SVG_H
#define HMLCOST_REPORT_PLOT_SVG_H

#include <stddef.h>
#include <stdio.h>

typedef struct svg_box_group {
    const char *label;         /* arm name */
    const char *color;         /* CSS colour of the box and points */
    const double *points;      /* the runs' values, display units */
    const char *const *point_titles; /* hover text per point (or NULL) */
    size_t n_points;
    /* box: quartiles, median, Tukey whiskers, mean (display units) */
    double q1, median, q3, whisker_lo, whisker_hi, mean;
} svg_box_group;

/* A box-and-strip plot; y_label names the axis ("wall time (s)"). */
void svg_box_strip(FILE *out, const svg_box_group *groups, size_t n_groups, const char *y_label,
                   const char *aria_label);

typedef struct svg_series {
    const double *t;  /* x values (seconds) */
    const double *v;  /* y values, display units */
    size_t n;
    const char *color;
} svg_series;

/* A line chart of one series over time. */
void svg_line_chart(FILE *out, const svg_series *s, const char *y_label, const char *aria_label);

/* Axis ticks: a "nice" step (1, 2, 2.5 or 5 x 10^k) giving about `target`
 * ticks over [lo, hi]; *first is the first tick at or above lo. */
double svg_nice_step(double lo, double hi, int target, double *first);

#endif
