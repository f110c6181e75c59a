/* The HTML report's figures (report/plot_svg.h): tick steps people read
 * easily, one point per run placed by its value, names escaped, and nothing
 * drawn from a NaN. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/plot_svg.h"

static size_t count(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void ticks_come_in_nice_steps(void **state)
{
    (void)state;
    double first;
    assert_float_equal(svg_nice_step(0, 10, 5, &first), 2, 1e-12);
    assert_float_equal(first, 0, 1e-12);
    assert_float_equal(svg_nice_step(0.13, 0.37, 5, &first), 0.05, 1e-12);
    assert_float_equal(first, 0.15, 1e-12);
    assert_float_equal(svg_nice_step(31, 42, 5, &first), 2.5, 1e-12);
    assert_float_equal(first, 32.5, 1e-12);
    assert_float_equal(svg_nice_step(-7, 3, 5, &first), 2, 1e-12);
    assert_float_equal(first, -6, 1e-12);
    /* An empty range still gives a usable step, never zero or NaN. */
    double s = svg_nice_step(5, 5, 5, &first);
    assert_true(isfinite(s) && s > 0);
    assert_true(isfinite(first));
    for (double lo = 1e-6; lo < 1e6; lo *= 7.3) {
        double step = svg_nice_step(lo, lo * 3, 5, &first);
        double norm = step / pow(10, floor(log10(step)));
        assert_true(fabs(norm - 1) < 1e-9 || fabs(norm - 2) < 1e-9 || fabs(norm - 2.5) < 1e-9 ||
                    fabs(norm - 5) < 1e-9);
        assert_true(first >= lo - step * 1e-9 && first < lo + step);
    }
}

static char *draw_boxes(const svg_box_group *g, size_t n)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    svg_box_strip(out, g, n, "wall time (s)", "wall <time>");
    fclose(out);
    return text;
}

/* The cy of the run point whose title is title. */
static double point_y(const char *svg, const char *title)
{
    char needle[64];
    snprintf(needle, sizeof needle, "<title>%s</title>", title);
    const char *t = strstr(svg, needle);
    assert_non_null(t);
    const char *c = t;
    while (c > svg && strncmp(c, "<circle", 7) != 0)
        c--;
    const char *cy = strstr(c, "cy=\"");
    assert_non_null(cy);
    return strtod(cy + 4, NULL);
}

static void every_run_is_a_point_placed_by_its_value(void **state)
{
    (void)state;
    const double base[] = {1.0, 1.1, 1.2};
    const double smell[] = {2.0, 2.4};
    const char *const base_titles[] = {"b0", "b1", "b2"};
    const char *const smell_titles[] = {"s0", "s1"};
    svg_box_group g[3] = {
        {.label = "baseline", .color = "#1f77b4", .points = base, .point_titles = base_titles,
         .n_points = 3, .q1 = 1.05, .median = 1.1, .q3 = 1.15, .whisker_lo = 1.0,
         .whisker_hi = 1.2, .mean = 1.1},
        {.label = "<b>smell</b>", .color = "#d62728", .points = smell,
         .point_titles = smell_titles, .n_points = 2, .q1 = 2.1, .median = 2.2, .q3 = 2.3,
         .whisker_lo = 2.0, .whisker_hi = 2.4, .mean = 2.2},
        {.label = "empty", .color = "#999", .n_points = 0, .q1 = NAN, .median = NAN, .q3 = NAN,
         .whisker_lo = NAN, .whisker_hi = NAN, .mean = NAN},
    };
    char *svg = draw_boxes(g, 3);
    assert_int_equal(count(svg, "<svg"), 1);
    assert_int_equal(count(svg, "</svg>"), 1);
    assert_int_equal(count(svg, "class=\"run\""), 5);
    assert_int_equal(count(svg, "class=\"box\""), 2); /* no box for the arm without data */
    assert_int_equal(count(svg, "class=\"mean\""), 2);
    assert_int_equal(count(svg, ">no data</text>"), 1);
    /* Higher values are drawn higher up (smaller y). */
    assert_true(point_y(svg, "b0") > point_y(svg, "b2"));
    assert_true(point_y(svg, "b2") > point_y(svg, "s0"));
    assert_true(point_y(svg, "s0") > point_y(svg, "s1"));
    /* Names from the user are escaped. */
    assert_null(strstr(svg, "<b>"));
    assert_non_null(strstr(svg, "&lt;b&gt;smell&lt;/b&gt;"));
    assert_non_null(strstr(svg, "aria-label=\"wall &lt;time&gt;\""));
    assert_null(strstr(svg, "nan"));
    free(svg);
}

static char *draw_line(const svg_series *s)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    svg_line_chart(out, s, "RSS (MiB)", "memory");
    fclose(out);
    return text;
}

static void a_line_chart_marks_few_samples_and_draws_no_nan(void **state)
{
    (void)state;
    const double t[] = {0.1, 0.2, 0.3, 0.4};
    const double v[] = {10, 30, 20, 40};
    svg_series s = {.t = t, .v = v, .n = 4, .color = "#2ca02c"};
    char *svg = draw_line(&s);
    assert_int_equal(count(svg, "class=\"series\""), 1);
    assert_int_equal(count(svg, "<circle"), 4);
    assert_non_null(strstr(svg, "time since start (s)"));
    assert_null(strstr(svg, "nan"));
    assert_null(strstr(svg, "inf"));
    free(svg);

    /* Many samples: the line only. */
    double tt[100], vv[100];
    for (int i = 0; i < 100; i++)
        tt[i] = i * 0.1, vv[i] = i % 7;
    svg_series many = {.t = tt, .v = vv, .n = 100, .color = "#000"};
    svg = draw_line(&many);
    assert_int_equal(count(svg, "<circle"), 0);
    assert_int_equal(count(svg, "class=\"series\""), 1);
    free(svg);

    /* No samples at all: the axes, no line, no NaN. */
    svg_series none = {.t = NULL, .v = NULL, .n = 0, .color = "#000"};
    svg = draw_line(&none);
    assert_int_equal(count(svg, "class=\"series\""), 0);
    assert_null(strstr(svg, "nan"));
    assert_int_equal(count(svg, "</svg>"), 1);
    free(svg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ticks_come_in_nice_steps),
        cmocka_unit_test(every_run_is_a_point_placed_by_its_value),
        cmocka_unit_test(a_line_chart_marks_few_samples_and_draws_no_nan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
