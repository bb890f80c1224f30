"""Scorecard statistics against numbers worked out by hand and against Krippendorff's published example."""
from __future__ import annotations

import json
import math

import pytest

from participation.panels.stats import (
    CriterionStats,
    _alpha,
    alpha_reading,
    criterion_stats,
    krippendorff_alpha_ordinal,
    response_rate,
    t_quantile,
    weighted_overall,
)


@pytest.mark.parametrize(("df", "expected"), [
    (1, 12.706205), (2, 4.302653), (3, 3.182446), (4, 2.776445), (5, 2.570582), (10, 2.228139), (30, 2.042272), (1000, 1.962339),
])
def test_t_quantile_matches_the_tables(df, expected):
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("p", [0.6, 0.9, 0.975, 0.999, 0.9999999])
def test_t_quantile_matches_the_closed_forms_for_one_and_two_degrees_of_freedom(p):
    # df = 1 is Cauchy: t = tan(pi (p - 1/2)); df = 2: t = (2p - 1) sqrt(2 / (4p(1 - p))).
    assert t_quantile(p, 1) == pytest.approx(math.tan(math.pi * (p - 0.5)), rel=1e-9)
    assert t_quantile(p, 2) == pytest.approx((2 * p - 1) * math.sqrt(2 / (4 * p * (1 - p))), rel=1e-9)


def test_t_quantile_is_symmetric_and_checks_its_arguments():
    assert t_quantile(0.5, 7) == 0.0
    assert t_quantile(0.025, 5) == -t_quantile(0.975, 5)
    for p, df in [(0.0, 5), (1.0, 5), (0.975, 0)]:
        with pytest.raises(ValueError):
            t_quantile(p, df)


def test_criterion_stats_clips_the_interval_to_the_scale():
    stats = criterion_stats([3, 4, 4, 5, 2])
    # mean = 18 / 5 = 3.6; sorted 2 3 4 4 5 -> median 4
    # deviations -0.6 0.4 0.4 1.4 -1.6, squares .36 + .16 + .16 + 1.96 + 2.56 = 5.2; sd = sqrt(5.2 / 4) = sqrt(1.3) = 1.1401754
    # half width = t(0.975, 4) * sd / sqrt(5) = 2.776445 * sqrt(0.26) = 2.776445 * 0.5099020 = 1.4157148
    # CI = 3.6 -+ 1.4157148 = [2.1842852, 5.0157148] -> the top clipped to 5
    assert (stats.n, stats.mean, stats.median) == (5, pytest.approx(3.6), 4.0)
    assert stats.sd == pytest.approx(1.1401754, abs=1e-7)
    assert stats.ci_low == pytest.approx(2.1842852, abs=1e-6)
    assert stats.ci_high == 5.0
    assert stats.distribution == (0, 1, 1, 2, 1)


def test_criterion_stats_inside_the_scale():
    stats = criterion_stats([2, 3, 3, 4])
    # mean 3, median (3 + 3) / 2 = 3; sd = sqrt((1 + 0 + 0 + 1) / 3) = 0.8164966
    # half width = t(0.975, 3) * sd / 2 = 3.182446 * 0.4082483 = 1.2992283 -> CI [1.7007717, 4.2992283]
    assert (stats.mean, stats.median) == (3.0, 3.0)
    assert stats.sd == pytest.approx(0.8164966, abs=1e-7)
    assert (stats.ci_low, stats.ci_high) == (pytest.approx(1.7007717, abs=1e-6), pytest.approx(4.2992283, abs=1e-6))
    assert stats.distribution == (0, 1, 2, 1, 0)
    assert criterion_stats([1, 2, 4, 5]).median == 3.0  # (2 + 4) / 2
    assert criterion_stats([3, 3, 3]) == CriterionStats(3, 3.0, 3.0, 0.0, 3.0, 3.0, (0, 0, 3, 0, 0))


def test_criterion_stats_with_no_or_one_score():
    assert criterion_stats([]) == CriterionStats(0, None, None, None, None, None, (0, 0, 0, 0, 0))
    assert criterion_stats([4]) == CriterionStats(1, 4.0, 4.0, None, None, None, (0, 0, 0, 1, 0))
    assert criterion_stats([], levels=3).distribution == (0, 0, 0)


@pytest.mark.parametrize("bad", [0, 6, -1, 2.5, True, None])
def test_criterion_stats_refuses_a_score_off_the_scale(bad):
    with pytest.raises(ValueError):
        criterion_stats([3, bad])


def test_criterion_stats_survive_a_json_column():
    for stats in (criterion_stats([3, 4, 4, 5, 2]), criterion_stats([5]), criterion_stats([])):
        assert CriterionStats.from_dict(json.loads(json.dumps(stats.to_dict()))) == stats


def test_weighted_overall_skips_criteria_without_a_mean():
    # (3.6 * 2 + 3.0 * 1 + 4.5 * 1) / (2 + 1 + 1) = (7.2 + 3.0 + 4.5) / 4 = 14.7 / 4 = 3.675; weight 5 goes with its None
    assert weighted_overall([(3.6, 2), (None, 5), (3.0, 1), (4.5, 1)]) == pytest.approx(3.675)
    assert weighted_overall([(None, 1), (None, 2)]) is None
    assert weighted_overall([]) is None
    with pytest.raises(ValueError):
        weighted_overall([(3.0, 0)])


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers x 12 units, with missing data.
# Coincidence matrix (rows c = 1..5, columns k = 1..5; unit 12 has one value and is dropped, n = 40):
#   1: 7    4/3  1/3  1/3  0   | n_1 = 9
#   2: 4/3  10   4/3  1/3  0   | n_2 = 13
#   3: 1/3  4/3  8    1/3  0   | n_3 = 10
#   4: 1/3  1/3  1/3  4    0   | n_4 = 5
#   5: 0    0    0    0    3   | n_5 = 3
_ = None
PAPER = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
]


@pytest.mark.parametrize(("metric", "published"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)])
def test_alpha_reproduces_krippendorffs_example(metric, published):
    assert round(_alpha(PAPER, metric), 3) == published
    if metric == "ordinal":
        assert krippendorff_alpha_ordinal(PAPER) == _alpha(PAPER, "ordinal")


# 3 panelists x 4 criteria:
#   unit 1: {1, 1}     m = 2: o_11 += 2 * 1 / 1 = 2
#   unit 2: {1, 2, 2}  m = 3: o_12 = o_21 += 1 * 2 / 2 = 1, o_22 += 2 * 1 / 2 = 1
#   unit 3: {2, 2, 2}  m = 3: o_22 += 3 * 2 / 2 = 3
#   unit 4: {3, 3, 3}  m = 3: o_33 += 3
# o_11 = 2, o_12 = o_21 = 1, o_22 = 4, o_33 = 3; n_1 = 3, n_2 = 5, n_3 = 3, n = 11
# ordinal: d2_12 = (3 + 5 - (3 + 5) / 2)^2 = 16, d2_23 = (5 + 3 - 4)^2 = 16, d2_13 = (3 + 5 + 3 - (3 + 3) / 2)^2 = 64
#   observed  = 2 * o_12 * 16 = 32
#   expected  = 2 * (n_1 n_2 * 16 + n_2 n_3 * 16 + n_1 n_3 * 64) = 2 * (240 + 240 + 576) = 2112
#   alpha = 1 - (11 - 1) * 32 / 2112 = 1 - 5/33 = 28/33
# nominal: observed = 2 * 1 = 2, expected = 2 * (15 + 15 + 9) = 78, alpha = 1 - 10 * 2 / 78 = 29/39
SMALL = [
    [1, 1, 2, 3],
    [1, 2, 2, 3],
    [_, 2, 2, 3],
]


def test_alpha_on_a_fixture_worked_by_hand():
    assert krippendorff_alpha_ordinal(SMALL) == pytest.approx(28 / 33)
    assert _alpha(SMALL, "nominal") == pytest.approx(29 / 39)


def test_ordinal_alpha_ignores_the_spacing_of_the_levels_and_interval_alpha_does_not():
    # 3 relabelled 4: same ranks, so the same ordinal alpha.
    # interval: d2_12 = 1, d2_24 = 4, d2_14 = 9; observed = 2 * 1 = 2, expected = 2 * (15 * 1 + 15 * 4 + 9 * 9) = 312
    #   alpha = 1 - 10 * 2 / 312 = 73/78
    spread = [[4 if score == 3 else score for score in row] for row in SMALL]
    assert krippendorff_alpha_ordinal(spread) == pytest.approx(28 / 33)
    assert _alpha(spread, "interval") == pytest.approx(73 / 78)


def test_alpha_edge_cases():
    assert krippendorff_alpha_ordinal([[1, 3, 5, 2], [1, 3, 5, 2], [1, _, 5, 2]]) == 1.0  # agree, and criteria differ
    assert krippendorff_alpha_ordinal([[4, 4, 4], [4, 4, 4], [4, _, 4]]) is None  # no variation: no expected disagreement
    assert krippendorff_alpha_ordinal([[1, 3, 5]]) is None  # one panelist: nothing pairable
    assert krippendorff_alpha_ordinal([[1, _], [_, 3]]) is None
    assert krippendorff_alpha_ordinal([]) is None
    assert krippendorff_alpha_ordinal([[3], [3], [3]]) is None  # a single criterion, all agreeing
    # A single criterion with differing scores: its own values are the whole expected distribution,
    # so observed and expected disagreement match, (n - 1) / (m - 1) = 1, and alpha is exactly 0.
    assert krippendorff_alpha_ordinal([[1], [2], [4]]) == pytest.approx(0.0)


def test_alpha_refuses_bad_input():
    with pytest.raises(ValueError):
        krippendorff_alpha_ordinal([[1, 6], [1, 2]])
    with pytest.raises(ValueError):
        krippendorff_alpha_ordinal([[1, 2], [1]])
    with pytest.raises(ValueError):
        _alpha(SMALL, "ratio")


@pytest.mark.parametrize(("alpha", "key"), [
    (None, "not_enough"), (1.0, "reliable"), (0.800, "reliable"), (0.7999, "tentative"),
    (0.667, "tentative"), (0.6669, "low"), (-0.2, "low"),
])
def test_alpha_reading(alpha, key):
    assert alpha_reading(alpha) == key


def test_response_rate():
    assert response_rate(12, 16) == 0.75
    assert response_rate(0, 16) == 0.0
    assert response_rate(0, 0) is None
    with pytest.raises(ValueError):
        response_rate(-1, 3)
