"""A citizen-panel scorecard's statistics: pure functions, standard library only, nothing rounded.

Panelists score a public service on rubric criteria, each on a 1..`levels` ordinal scale (5 by default).

- Per criterion: n, mean, median, sample sd (n - 1) and a 95% confidence interval for the mean,
  mean +- t(0.975, n - 1) * sd / sqrt(n). The t interval is symmetric and, for small panels, can reach
  past the ends of the scale; since no score can, it is clipped to [1, levels]. Fewer than two scores
  give no sd and no interval.
- Overall: the weighted mean of the criterion means, over the criteria that have a mean (weights renormalised).
- Agreement: Krippendorff's alpha with the ordinal metric, from the coincidence matrix as in Krippendorff (2011),
  "Computing Krippendorff's Alpha-Reliability". Panelists are the coders, criteria the units. Units with fewer
  than two values cannot be paired and are dropped. With n pairable values, coincidences o_ck and their marginals
  n_c: alpha = 1 - (n - 1) * sum(o_ck * d2_ck) / sum(n_c * n_k * d2_ck), where the ordinal
  d2_ck = (sum of n_g for g from c to k - (n_c + n_k) / 2) ** 2. Alpha is None when fewer than two values can be
  paired, or when every value is the same: then there is no expected disagreement to compare against, and the
  panel's agreement cannot be told from a scale that does not vary.
- Student t quantiles come from the regularized incomplete beta function (Numerical Recipes' continued fraction)
  inverted by bisection; no numpy or scipy.
"""
from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

_EPS = 1e-15
_FPMIN = 1e-300


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction for the incomplete beta function, modified Lentz (Numerical Recipes, `betacf`)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _FPMIN else _FPMIN)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)), -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > _FPMIN else _FPMIN)
            c = 1.0 + aa / c
            c = c if abs(c) > _FPMIN else _FPMIN
            h *= d * c
        if abs(d * c - 1.0) < _EPS:
            return h
    raise ArithmeticError("betacf did not converge")


def _betai(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_quantile(p: float, df: int) -> float:
    """The p quantile of Student's t with `df` degrees of freedom.

    For t > 0, P(T > t) = I_x(df/2, 1/2) / 2 with x = df / (df + t^2), which rises with x; x is found by
    bisection down to adjacent floats, which leaves the error to the continued fraction (far below 1e-6).
    """
    if not 0.0 < p < 1.0:
        raise ValueError("p must be strictly between 0 and 1")
    if df < 1:
        raise ValueError("df must be at least 1")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    if p == 0.5:
        return 0.0
    tail, a = 2.0 * (1.0 - p), df / 2.0
    lo, hi = 0.0, 1.0
    while True:
        mid = (lo + hi) / 2.0
        if mid in (lo, hi):
            break
        if _betai(a, 0.5, mid) < tail:
            lo = mid
        else:
            hi = mid
    x = (lo + hi) / 2.0
    return math.sqrt(df * (1.0 - x) / x)


@dataclass(frozen=True)
class CriterionStats:
    n: int
    mean: float | None
    median: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None
    distribution: tuple[int, ...]  # how many scored 1, 2, ... levels

    def to_dict(self) -> dict:
        return {"n": self.n, "mean": self.mean, "median": self.median, "sd": self.sd,
                "ci_low": self.ci_low, "ci_high": self.ci_high, "distribution": list(self.distribution)}

    @classmethod
    def from_dict(cls, data: dict) -> CriterionStats:
        return cls(n=data["n"], mean=data["mean"], median=data["median"], sd=data["sd"],
                   ci_low=data["ci_low"], ci_high=data["ci_high"], distribution=tuple(data["distribution"]))


def _check_score(score: object, levels: int) -> int:
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= levels:
        raise ValueError(f"a score must be a whole number from 1 to {levels}, not {score!r}")
    return score


def criterion_stats(scores: Sequence[int], levels: int = 5) -> CriterionStats:
    """One criterion's scores summarised; the 95% interval is clipped to the scale [1, levels]."""
    if levels < 2:
        raise ValueError("a scale needs at least two levels")
    counts = Counter(_check_score(score, levels) for score in scores)
    distribution = tuple(counts[level] for level in range(1, levels + 1))
    n = len(scores)
    if n == 0:
        return CriterionStats(0, None, None, None, None, None, distribution)
    mean, median = statistics.fmean(scores), float(statistics.median(scores))
    if n == 1:
        return CriterionStats(1, mean, median, None, None, None, distribution)
    sd = statistics.stdev(scores)
    half = t_quantile(0.975, n - 1) * sd / math.sqrt(n)
    return CriterionStats(n, mean, median, sd, max(1.0, mean - half), min(float(levels), mean + half), distribution)


def weighted_overall(items: Sequence[tuple[float | None, float]]) -> float | None:
    """The weighted mean of (criterion mean, weight) over the criteria that have a mean; None if none has."""
    if any(not weight > 0 for _, weight in items):
        raise ValueError("weights must be positive")
    scored = [(mean, weight) for mean, weight in items if mean is not None]
    if not scored:
        return None
    return math.fsum(mean * weight for mean, weight in scored) / math.fsum(weight for _, weight in scored)


def _ordinal_d2(marginals: dict[Hashable, float]) -> Callable[[Hashable, Hashable], float]:
    order = sorted(marginals)
    cumulative, running = {}, 0.0
    for value in order:
        running += marginals[value]
        cumulative[value] = running  # n_1 + ... + n_value

    def d2(c, k):
        if c == k:
            return 0.0
        low, high = min(c, k), max(c, k)
        between = cumulative[high] - cumulative[low] + marginals[low]  # sum of n_g for g from low to high
        return (between - (marginals[c] + marginals[k]) / 2.0) ** 2

    return d2


def _alpha(matrix: Sequence[Sequence[Hashable | None]], metric: str) -> float | None:
    """Krippendorff's alpha for rows of coders and columns of units, None for a missing value.

    `metric` is 'nominal', 'ordinal' or 'interval'. None when fewer than two values can be paired or when
    the expected disagreement is 0 (every pairable value the same).
    """
    if metric not in ("nominal", "ordinal", "interval"):
        raise ValueError(f"unknown metric {metric!r}")
    width = len(matrix[0]) if matrix else 0
    if any(len(row) != width for row in matrix):
        raise ValueError("every coder needs one entry per unit")
    coincidences: Counter = Counter()
    for unit in range(width):
        values = Counter(row[unit] for row in matrix if row[unit] is not None)
        m = sum(values.values())
        if m < 2:
            continue  # not pairable
        for c, n_c in values.items():
            for k, n_k in values.items():
                coincidences[c, k] += n_c * (n_k - (c == k)) / (m - 1)
    marginals: dict = {}
    for (c, _), o in coincidences.items():
        marginals[c] = marginals.get(c, 0.0) + o
    n = math.fsum(marginals.values())
    if n < 2:
        return None
    if metric == "nominal":
        def d2(c, k):
            return float(c != k)
    elif metric == "interval":
        def d2(c, k):
            return float(c - k) ** 2
    else:
        d2 = _ordinal_d2(marginals)
    observed = math.fsum(o * d2(c, k) for (c, k), o in coincidences.items())
    expected = math.fsum(marginals[c] * marginals[k] * d2(c, k) for c in marginals for k in marginals)
    if expected == 0:
        return None
    return 1.0 - (n - 1.0) * observed / expected


def krippendorff_alpha_ordinal(matrix: Sequence[Sequence[int | None]], levels: int = 5) -> float | None:
    """Ordinal Krippendorff's alpha for a panel: rows are panelists, columns criteria, None a missing score.

    None when fewer than two scores can be paired (no criterion scored by two panelists) or when all the
    pairable scores are identical: with no expected disagreement alpha is undefined.
    """
    for row in matrix:
        for score in row:
            if score is not None:
                _check_score(score, levels)
    return _alpha(matrix, "ordinal")


def alpha_reading(alpha: float | None) -> str:
    """A key for how far to trust the panel's agreement, on Krippendorff's own thresholds.

    He advises relying on data with alpha >= 0.800 and drawing only tentative conclusions from
    0.667 <= alpha < 0.800 (Content Analysis, 2004).
    """
    if alpha is None:
        return "not_enough"
    if alpha >= 0.800:
        return "reliable"
    if alpha >= 0.667:
        return "tentative"
    return "low"


def response_rate(submitted: int, members: int) -> float | None:
    """The share of the panel that submitted a scorecard; None for a panel with no members."""
    if submitted < 0 or members < 0:
        raise ValueError("counts cannot be negative")
    return submitted / members if members else None
