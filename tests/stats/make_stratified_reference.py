#!/usr/bin/python3
"""Reference values for tests/stats/test_stratified.c, computed with SciPy 1.10.1 and
NumPy 1.24.2 (Debian 12: python3-scipy). Run: /usr/bin/python3
tests/stats/make_stratified_reference.py (prints the numbers the test holds).

A study on two nodes: node B runs every cost 30 % slower than node A; the smell arm ran 5
runs on A and 15 on B, the baseline 15 on A and 5 on B. The combined estimate is computed
here from its definition (src/stats/stratified_change.h), with SciPy's t distribution; the
pooled one is scipy.stats.ttest_ind(equal_var=False) on the log values shifted by the
margin.

The tables' change (src/stats/bootstrap.h, stats_bootstrap_means_by_node): the ratio of
node-weighted means, each node weighted 1 / (1/nx_k + 1/ny_k), its percentile interval from
scipy.stats.bootstrap over the four samples (smell and baseline on A and B, each resampled
on its own: within node and arm), a generator other than ours, so the test compares
intervals within Monte Carlo error. Accuracy's TOST: pooled, two one-sided
scipy.stats.ttest_ind(equal_var=False); stratified, the combined difference of the nodes'
means (the same definition as the cost's change, on the values themselves) with SciPy's t
distribution. The accuracy study: node B's runs score `drop` lower in both arms."""
import numpy as np
from scipy import stats

NOISE = [0.992, 1.007, 1.001, 0.988, 1.012, 0.997, 1.004, 0.995, 1.010, 0.990,
         1.003, 0.999, 1.008, 0.993, 1.000, 1.006, 0.991, 1.011, 0.996, 1.002]
N = 20
SPEED = {"A": 100.0, "B": 130.0}
T = 0.02     # smallest cost of interest
ALPHA = 0.05


def study(effect, base_spread=1.0):
    smell, smell_node, base, base_node = [], [], [], []
    for r in range(N):
        k = "A" if r % 4 == 0 else "B"
        smell.append(SPEED[k] * (1 + effect) * NOISE[r]); smell_node.append(k)
        k = "B" if r % 4 == 0 else "A"
        base.append(SPEED[k] * (1 + base_spread * (NOISE[(r + 7) % N] - 1))); base_node.append(k)
    return np.array(smell), np.array(smell_node), np.array(base), np.array(base_node)


def pooled(x, y):
    lx, ly = np.log(x), np.log(y)
    d = lx.mean() - ly.mean()
    p_over = stats.ttest_ind(lx - np.log1p(T), ly, equal_var=False, alternative="greater").pvalue
    se = np.sqrt(lx.var(ddof=1) / len(lx) + ly.var(ddof=1) / len(ly))
    return d, se, p_over


def stratified(x, xn, y, yn, scale=np.log):
    lx, ly = scale(x), scale(y)
    nodes = [k for k in dict.fromkeys(xn) if k in set(yn)]
    ssx = sum(((lx[xn == k] - lx[xn == k].mean()) ** 2).sum() for k in nodes)
    ssy = sum(((ly[yn == k] - ly[yn == k].mean()) ** 2).sum() for k in nodes)
    dfx = sum((xn == k).sum() - 1 for k in nodes)
    dfy = sum((yn == k).sum() - 1 for k in nodes)
    s2x, s2y = ssx / dfx, ssy / dfy
    nx = np.array([(xn == k).sum() for k in nodes], float)
    ny = np.array([(yn == k).sum() for k in nodes], float)
    dk = np.array([lx[xn == k].mean() - ly[yn == k].mean() for k in nodes])
    w = 1 / (s2x / nx + s2y / ny)
    d = (w * dk).sum() / w.sum()
    share = w / w.sum()
    vx, vy = s2x * (share ** 2 / nx).sum(), s2y * (share ** 2 / ny).sum()
    se = np.sqrt(vx + vy)
    df = (vx + vy) ** 2 / (vx ** 2 / dfx + vy ** 2 / dfy)
    p_over = stats.t.sf((d - np.log1p(T)) / se, df)
    p_under = stats.t.cdf((d - np.log1p(T)) / se, df)
    q = stats.t.isf(ALPHA, df)
    return d, se, df, p_over, p_under, np.expm1(d - q * se), np.expm1(d + q * se)


for effect, spread in ((0.0, 1.0), (0.10, 1.0), (0.10, 3.0)):
    x, xn, y, yn = study(effect, spread)
    print(f"effect {effect}, baseline noise x{spread}:")
    d, se, p = pooled(x, y)
    print(f"  pooled     change {np.expm1(d)!r} se {se!r} p_over {p!r}")
    d, se, df, p_over, p_under, lo, hi = stratified(x, xn, y, yn)
    print(f"  stratified change {np.expm1(d)!r} se {se!r} df {df!r}")
    print(f"             p_over {p_over!r} p_under {p_under!r} interval {lo!r} {hi!r}")

# one node alone: the combined estimate is Welch's test on that node's runs
x, xn, y, yn = study(0.0)
r = stats.ttest_ind(np.log(x[xn == "A"]) - np.log1p(T), np.log(y[yn == "A"]), equal_var=False,
                    alternative="greater")
print(f"node A alone: Welch p_over {r.pvalue!r}; stratified {stratified(x[xn == 'A'], xn[xn == 'A'], y[yn == 'A'], yn[yn == 'A'])[3]!r}")


# the tables' change: node-weighted ratio of means, bootstrap within node and arm
def weighted_ratio(xa, xb, ya, yb, axis=-1):
    wa = len(xa) * len(ya) / (len(xa) + len(ya))
    wb = len(xb) * len(yb) / (len(xb) + len(yb))
    mx = wa * xa.mean(axis) + wb * xb.mean(axis)
    my = wa * ya.mean(axis) + wb * yb.mean(axis)
    return mx / my


for effect in (0.0, 0.10):
    x, xn, y, yn = study(effect)
    parts = (x[xn == "A"], x[xn == "B"], y[yn == "A"], y[yn == "B"])
    ci = stats.bootstrap(parts, weighted_ratio, n_resamples=10000, method="percentile",
                         confidence_level=0.95, vectorized=True, random_state=1).confidence_interval
    print(f"effect {effect}: table change by node {weighted_ratio(*parts) - 1!r} "
          f"interval {ci.low - 1!r} {ci.high - 1!r}; pooled {x.mean() / y.mean() - 1!r}")


# accuracy: node B scores DROP lower; the smell ran more of its runs there
DROP = 0.024
M = 0.01  # accuracy's margin, 1 pp
x_acc = np.array([0.700 + 0.001 * (r % 3) - 0.001 - (DROP if r % 4 else 0) for r in range(N)])
y_acc = np.array([0.700 + 0.001 * ((r + 1) % 3) - 0.001 - (0 if r % 4 else DROP)
                  for r in range(N)])
_, xn, _, yn = study(0.0)
lo = stats.ttest_ind(x_acc + M, y_acc, equal_var=False, alternative="greater").pvalue
hi = stats.ttest_ind(x_acc - M, y_acc, equal_var=False, alternative="less").pvalue
print(f"accuracy, node B {DROP} lower: pooled diff {x_acc.mean() - y_acc.mean()!r} "
      f"TOST p {max(lo, hi)!r}")
d, se, df, *_ = stratified(x_acc, xn, y_acc, yn, scale=lambda v: v)
p_lower = stats.t.sf((d + M) / se, df)
p_upper = stats.t.cdf((d - M) / se, df)
q = stats.t.isf(ALPHA, df)
print(f"  stratified diff {d!r} se {se!r} df {df!r} TOST p {max(p_lower, p_upper)!r} "
      f"interval {d - q * se!r} {d + q * se!r}")
