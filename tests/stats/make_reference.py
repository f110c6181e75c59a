#!/usr/bin/python3
"""Reference values for tests/stats/test_stats.c, computed once with SciPy 1.10.1,
NumPy 1.24.2 and statsmodels 0.13.5 (Debian 12: python3-scipy, python3-statsmodels).
Run: /usr/bin/python3 tests/stats/make_reference.py  (prints the numbers the test holds)."""
import itertools
import numpy as np
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import TTestIndPower

# Sample A: no ties, 10 vs 10 (energy in kJ, smell vs baseline).
a_smell = [61.2, 63.5, 60.8, 64.1, 62.7, 59.9, 65.3, 62.2, 63.9, 61.7]
a_base = [55.1, 57.3, 54.8, 58.2, 56.4, 60.1, 55.9, 57.8, 53.9, 56.6]
# Sample B: many ties, 8 vs 7.
b_x = [3, 5, 5, 7, 7, 7, 9, 12]
b_y = [1, 3, 3, 5, 5, 7, 8]
# Sample C: 30 vs 28 with ties (normal approximation).
rng = np.random.default_rng(7)
c_x = list(np.round(rng.normal(10.5, 2, 30)).astype(int))
c_y = list(np.round(rng.normal(9.5, 2, 28)).astype(int))
# Accuracy (0..1), for TOST with a 1 pp margin.
acc_smell = [0.712, 0.708, 0.715, 0.711, 0.709, 0.713, 0.710, 0.714, 0.712, 0.707]
acc_base = [0.713, 0.710, 0.716, 0.709, 0.712, 0.714, 0.711, 0.713, 0.708, 0.712]

def show(name, v):
    print(f"{name} = {v!r}")

print("c_x =", [int(v) for v in c_x])
print("c_y =", [int(v) for v in c_y])

# describe
x = np.array(a_smell)
show("describe mean", x.mean()); show("sd", x.std(ddof=1)); show("median", np.median(x))
show("q1", np.percentile(x, 25)); show("q3", np.percentile(x, 75))
show("mad", stats.median_abs_deviation(x, scale=1.0))
show("ci95", stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x)))

# Mann-Whitney
r = stats.mannwhitneyu(a_smell, a_base, method='exact', alternative='two-sided')
show("mwu A exact", (r.statistic, r.pvalue))
u = lambda x, y, axis=-1: stats.mannwhitneyu(x, y, axis=axis).statistic
r = stats.permutation_test((b_x, b_y), u, permutation_type='independent', n_resamples=np.inf,
                           alternative='two-sided')
show("mwu B permutation_test exact", (stats.mannwhitneyu(b_x, b_y).statistic, r.pvalue))
# brute force over all C(15, 8) splits, as a second check of the same number
pooled = b_x + b_y
ranks = stats.rankdata(pooled)
obs = sum(ranks[:len(b_x)])
sums = [sum(ranks[list(c)]) for c in itertools.combinations(range(len(pooled)), len(b_x))]
le = sum(s <= obs + 1e-9 for s in sums) / len(sums)
ge = sum(s >= obs - 1e-9 for s in sums) / len(sums)
show("mwu B brute force", min(1, 2 * min(le, ge)))
r = stats.mannwhitneyu(c_x, c_y, method='asymptotic', use_continuity=True)
show("mwu C asymptotic", (r.statistic, r.pvalue))

# Welch
r = stats.ttest_ind(a_smell, a_base, equal_var=False)
show("welch A", (r.statistic, r.pvalue))
r = stats.ttest_ind(b_x, b_y, equal_var=False)
show("welch B", (r.statistic, r.pvalue))

# TOST (margin 0.01), as two one-sided Welch tests
m = 0.01
lo = stats.ttest_ind(np.array(acc_smell) + m, acc_base, equal_var=False, alternative='greater')
hi = stats.ttest_ind(np.array(acc_smell) - m, acc_base, equal_var=False, alternative='less')
show("tost acc lower, upper", (lo.pvalue, hi.pvalue))
lo = stats.ttest_ind(np.array(a_smell) + 1.0, a_base, equal_var=False, alternative='greater')
hi = stats.ttest_ind(np.array(a_smell) - 1.0, a_base, equal_var=False, alternative='less')
show("tost A margin 1.0 lower, upper", (lo.pvalue, hi.pvalue))

# Cliff's delta by its definition
d = sum(np.sign(xi - yi) for xi in b_x for yi in b_y) / (len(b_x) * len(b_y))
show("cliff B", d)

# Bootstrap, percentile, 10000 resamples (a different generator than ours:
# the test allows for Monte Carlo error)
diff = stats.bootstrap((a_smell, a_base), lambda x, y, axis=-1: x.mean(axis) - y.mean(axis),
                       method='percentile', n_resamples=10000, vectorized=True,
                       random_state=1)
show("bootstrap diff A", tuple(diff.confidence_interval))
ratio = stats.bootstrap((a_smell, a_base), lambda x, y, axis=-1: x.mean(axis) / y.mean(axis),
                        method='percentile', n_resamples=10000, vectorized=True,
                        random_state=1)
show("bootstrap ratio A", tuple(ratio.confidence_interval))

# Holm
p = [0.01, 0.04, 0.03, 0.005, 0.2, 0.04]
show("holm", list(multipletests(p, method='holm')[1]))

# Power (statsmodels: exact noncentral t, pooled variance)
for n, dd in [(10, 0.8), (10, 1.5), (20, 0.5), (5, 2.0)]:
    show(f"power n={n} d={dd}", TTestIndPower().power(effect_size=dd, nobs1=n, ratio=1, alpha=0.05))
show("n for 80% at d=0.8", TTestIndPower().solve_power(effect_size=0.8, power=0.8, alpha=0.05))
