#!/usr/bin/python3
"""Reference values for tests/stats/test_stratified.c, computed with SciPy 1.10.1 and
NumPy 1.24.2 (Debian 12: python3-scipy). Run: /usr/bin/python3
tests/stats/make_stratified_reference.py (prints the numbers the test holds).

A study on two nodes: node B runs every cost 30 % slower than node A; the smell arm ran 5
runs on A and 15 on B, the baseline 15 on A and 5 on B. The combined estimate is computed
here from its definition (src/stats/stratified_change.h), with SciPy's t distribution; the
pooled one is scipy.stats.ttest_ind(equal_var=False) on the log values shifted by the
margin."""
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


def stratified(x, xn, y, yn):
    lx, ly = np.log(x), np.log(y)
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
