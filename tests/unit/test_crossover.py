"""The crossover solver on hand-built cost curves (not through the engine).

Lambda is a line L(k) = fixed + k variable - min(credit, k variable); the provisioned cost P(k)
is any non-decreasing step function. Each case states its first crossing, worked by hand.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from analyzer.core import crossover
from analyzer.core.crossover import solve_crossover
from analyzer.core.lambda_line import LambdaLine, concurrency_profile

Step = Callable[[float], float]


def steps(*pairs: tuple[float, float], then: float) -> Step:
    """P(k) = the value of the first (up_to, value) pair with k <= up_to, else `then`."""

    def p(k: float) -> float:
        for up_to, value in pairs:
            if k <= up_to:
                return value
        return then

    return p


# (name, (fixed, variable, credit), P, max_multiple, expected k*)
Case = tuple[str, tuple[float, float, float], Step, float, float]
CASES: list[Case] = [
    # L = 10k meets the flat 20 at k = 2.
    ("flat option", (0.0, 10.0, 0.0), steps(then=20.0), 1000.0, 2.0),
    # P steps from 50 to 100 at k = 3, before L reaches 50: L = 10k first meets 100 at k = 10.
    ("a step pushes it out", (0.0, 10.0, 0.0), steps((3.0, 50.0), then=100.0), 1000.0, 10.0),
    # Narrow early crossing: L = 10k touches P = 30 at k = 3, just before P steps to 100 at
    # k = 3.05 (Lambda is cheaper again until k = 10): the first crossing is 3, not 10.
    ("narrow early crossing", (0.0, 10.0, 0.0), steps((3.05, 30.0), then=100.0), 1000.0, 3.0),
    # Free-tier credit 20: L = 0 up to k = 2, then 10k - 20, which meets 30 at k = 5.
    ("free credit", (0.0, 10.0, 20.0), steps(then=30.0), 1000.0, 5.0),
    # Fixed cost 5 (e.g. an ALB's hours): 5 + 10k meets 25 at k = 2.
    ("fixed cost", (5.0, 10.0, 0.0), steps(then=25.0), 1000.0, 2.0),
    # Dearer today: L(1) = 10 >= P(1) = 8; going down, L = 10k falls below 8 at k = 0.8.
    ("dearer today", (0.0, 10.0, 0.0), steps((0.4, 5.0), then=8.0), 1000.0, 0.8),
    # Dearer today, and P steps down below k = 0.5: L meets 9 at 0.9 first (from k = 1 down).
    ("dearer today, step below", (0.0, 10.0, 0.0), steps((0.5, 3.0), then=9.0), 1000.0, 0.9),
    # Dearer at any traffic (fixed cost above P, e.g. idle provisioned concurrency): k* = 0.
    ("never cheaper", (100.0, 10.0, 0.0), steps(then=50.0), 1000.0, 0.0),
    # L = k reaches 5,000 only at k = 5,000, beyond max_multiple: no crossing (NaN).
    ("out of range", (0.0, 1.0, 0.0), steps(then=5000.0), 1000.0, math.nan),
    # No feasible option (P = inf): NaN.
    ("no option", (0.0, 10.0, 0.0), steps(then=math.inf), 1000.0, math.nan),
]


def solve(cases: list[Case]) -> np.ndarray:
    """All cases at once (rows are independent); one max_multiple for all of them."""
    fixed, variable, credit = (np.array(col) for col in zip(*[c[1] for c in cases], strict=True))
    line = LambdaLine(fixed, variable, credit)
    step_of_row = [c[2] for c in cases]

    def provisioned(rows: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        return lambda k: np.array(
            [step_of_row[row](float(x)) for row, x in zip(rows, k, strict=True)]
        )

    (max_multiple,) = {c[3] for c in cases}
    return solve_crossover(line, provisioned, max_multiple)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_first_crossing_of_hand_built_steps(case: Case) -> None:
    (k_star,) = solve([case])
    expected = case[4]
    if math.isnan(expected):
        assert math.isnan(k_star)
    else:
        assert k_star == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_rows_are_independent() -> None:
    together = solve(CASES)
    alone = np.array([solve([case])[0] for case in CASES])
    np.testing.assert_array_equal(together, alone)


WIDE = [c for c in CASES if c[0] != "narrow early crossing"]


@pytest.mark.parametrize("case", WIDE, ids=[c[0] for c in WIDE])
def test_scan_and_bisection_find_the_same_crossing(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the fixed-point walk, the fallback (log-grid scan from k = 1, then bisection)
    # finds the same first crossing, to its precision. (Not a crossing narrower than a grid
    # step: that is why the walk, which cannot step over one, comes first.)
    monkeypatch.setattr(crossover, "FIXED_POINT_ITERS", 0)
    (k_star,) = solve([case])
    expected = case[4]
    if math.isnan(expected):
        assert math.isnan(k_star)
    else:
        assert k_star == pytest.approx(expected, rel=1e-3, abs=1e-12)


def test_many_small_steps_fall_back_and_still_find_the_first_crossing() -> None:
    # P = 0.5 + 10 ceil(1000 k)/1000 up to k = 3, then 30.5: always 0.5 above L = 10k up to
    # k = 3, so the walk advances 0.05 a step and runs out of iterations before k = 3; the
    # scan and bisection take over. L meets 30.5 at k = 3.05.
    calls = []

    def p(k: float) -> float:
        return 0.5 + 10.0 * math.ceil(min(k, 3.0) * 1000.0) / 1000.0

    def provisioned(rows: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        calls.append(rows)
        return lambda k: np.array([p(float(x)) for x in k])

    line = LambdaLine(np.array([0.0]), np.array([10.0]), np.array([0.0]))
    k_star = solve_crossover(line, provisioned, 1000.0)
    assert len(calls) > crossover.FIXED_POINT_ITERS + 1  # the fallback ran
    assert k_star[0] == pytest.approx(3.05, rel=1e-3)


def test_lambda_line_inverse() -> None:
    line = LambdaLine(np.array([5.0, 0.0, 0.0]), np.array([10.0, 10.0, 0.0]), np.array([0, 20, 0]))
    np.testing.assert_allclose(line.at(np.array([2.0, 5.0, 1.0])), [25.0, 30.0, 0.0])
    k = line.inverse(np.array([25.0, 30.0, 1.0]))
    assert k[0] == pytest.approx(2.0)
    assert k[1] == pytest.approx(5.0)
    assert k[2] == math.inf  # no variable cost: never gets there
    assert line.inverse(np.array([4.0, 0.0, 0.0]))[0] == 0.0  # already costs that at k = 0


def test_provisioned_concurrency_spills_over_hour_by_hour_as_traffic_grows() -> None:
    # Function 0: PC 8, three hours of mean concurrency 12, 4 and 8 (one each); fixed $10
    # (allocation), variable $100 today, of which PC duration that would cost D = $30 more on
    # demand. G(k) = min(12k, 8) + min(4k, 8) + min(8k, 8), G(1) = 8 + 4 + 8 = 20, and
    #   L(k) = 10 + 130 k - 30 G(k) / 20.
    # Function 1: the same bill without PC stays the line 10 + 100 k.
    index, profile = concurrency_profile(
        np.array([0, 0, 0, 1, 1, 1]),
        np.array([12.0, 4.0, 8.0, 12.0, 4.0, 8.0]),
        np.array([True, False]),
    )
    line = LambdaLine(np.array([10.0, 10.0]), np.array([100.0, 100.0]), np.zeros(2)).with_pc(
        (index, profile), np.array([8.0, 0.0]), np.array([30.0, 0.0])
    )
    # k = 0.5: G = 6 + 2 + 4 = 12, L = 10 + 65 - 18 = 57 (all of it on PC: cheaper than the line)
    # k = 0.8: G = 8 + 3.2 + 6.4 = 17.6, L = 10 + 104 - 26.4 = 87.6
    # k = 1: L = 10 + 130 - 30 = 110 (today's bill)
    # k = 2: G = 24, L = 10 + 260 - 36 = 234 (the frozen share would say 10 + 200 = 210)
    ks = np.array([0.5, 0.8, 1.0, 2.0])
    pc_line = line.rows(np.zeros(4, dtype=int))
    np.testing.assert_allclose(pc_line.at(ks), [57.0, 87.6, 110.0, 234.0])
    np.testing.assert_allclose(pc_line.inverse(np.array([57.0, 87.6, 110.0, 234.0])), ks)
    plain = line.rows(np.ones(4, dtype=int))
    np.testing.assert_array_equal(plain.at(ks), 10.0 + ks * 100.0)
    # Against a flat option at $200: on [1, 2], G = 16 + 4k, L = 10 + 124k - 24 = 200 at
    # k = 214 / 124 = 1.7258; the line without PC meets it at 1.9.
    k_star = solve_crossover(line, lambda rows: lambda k: np.full(len(k), 200.0), 1000.0)
    assert k_star[0] == pytest.approx(214 / 124, rel=crossover.BRACKET_TOL)
    assert k_star[1] == pytest.approx(1.9, rel=crossover.BRACKET_TOL)
    # Brute force on a fine grid: the first k where Lambda costs at least $200.
    grid = np.arange(1.0, 3.0, 1e-4)
    first = grid[np.argmax(line.rows(np.zeros(grid.size, dtype=int)).at(grid) >= 200.0)]
    assert k_star[0] == pytest.approx(first, rel=crossover.BRACKET_TOL)


def test_the_first_step_across_a_wide_bracket_is_the_crossing_nearest_today() -> None:
    """`crossover._first_step_across` walks 1% steps from today's side of a bracket: with L = 10k
    and several crossings inside, each row stops at the step that first crosses, whether that
    is the first step, the ninth (past one batch of steps) or one near the far end; going down
    too. (before, after) are consecutive 1% steps from `near` around the first crossing."""
    line = LambdaLine(np.zeros(5), np.full(5, 10.0), np.zeros(5))
    # Up from 1.0 towards far: P = 10.05 (crossed at the first step), P = 12 up to 1.25 (L
    # meets it at 1.2; it crosses again at 1.5), P = 15.5 up to 1.6 (L meets it at 1.55), and
    # no crossing before far = 1.03. Down from 1.0: L < P = 9.3 below k = 0.93.
    pieces: list[Step] = [
        steps(then=10.05),
        steps((1.25, 12.0), (1.5, 100.0), then=15.0),
        steps((1.6, 15.5), then=1e9),
        steps(then=1e9),
        steps((0.5, 5.0), then=9.3),
    ]
    near = np.array([1.0, 1.0, 1.0, 1.0, 1.0])
    far = np.array([1.64, 1.64, 1.64, 1.03, 0.5])
    down = np.array([False, False, False, False, True])

    def affordable(rows: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        return lambda k, usd: np.array(
            [pieces[r](float(x)) <= u for r, x, u in zip(rows, k, usd, strict=True)]
        )

    before, after = crossover._first_step_across(line, affordable, np.arange(5), near, far, down)

    def step(k: float, n: int, up: bool = True) -> float:  # n steps of 1% from k, one by one
        for _ in range(n):
            k = k * 1.01 if up else k / 1.01
        return k

    # Row 0: L(1.01) = 10.1 >= 10.05 at the first step: before stays at near.
    assert before[0] == 1.0 and after[0] == 1.01
    # Row 1: L(k) = 10k >= 12 first at step 19 (1.01^19 = 1.2081; step 18 is 1.1961).
    assert before[1] == step(1.0, 18) and after[1] == step(1.0, 19)
    # Row 2: L >= 15.5 first at step 45 (1.5648; step 44 is 1.5493 < 1.55).
    assert before[2] == step(1.0, 44) and after[2] == step(1.0, 45)
    # Row 3: never crosses before far = 1.03: the step past it (1.0303) stops the walk.
    assert before[3] == step(1.0, 2) and after[3] == 1.03
    # Row 4, going down: L = 10k < 9.3 first at step 8 (0.9235; step 7 is 0.9327).
    assert before[4] == step(1.0, 7, up=False) and after[4] == step(1.0, 8, up=False)
