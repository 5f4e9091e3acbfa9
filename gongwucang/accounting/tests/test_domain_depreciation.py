"""The depreciation rules (assets/domain/depreciation.py): worked examples written out by hand from
政府会计准则第3号 and its 应用指南, then properties over many random cards (hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongwucang.assets.domain.depreciation import (
    Basis,
    CardState,
    DepreciationInputError,
    add_months,
    after_charge,
    basis_after_change,
    charged_in_month,
    month_charge_fen,
    month_label,
    monthly_amount_fen,
    months_between,
    on_fresh_schedule,
    parse_month,
    round_half_up_div,
    schedule_from_yuan,
    straight_line_accumulated_fen,
    straight_line_charge_fen,
    straight_line_schedule,
    units_of_production_charge_fen,
)

D = dt.date


def fen(text: str) -> int:
    return int(Decimal(text) * 100)


class TestWorkedExamples:
    """Each example is worked out by hand in its docstring; the code must agree to the fen."""

    def test_desktop_5999_over_72_months(self):
        """5,999.00 ÷ 72 = 83.3194… → 83.32 a month. 71 × 83.32 = 5,915.72; the 72nd month takes
        5,999.00 − 5,915.72 = 83.28. Added 2026-03-15: first charge 2026-03 (当月增加当月计提),
        the 72nd is 2026-03 + 71 months = 2032-02."""
        rows = schedule_from_yuan(cost="5999.00", life_months=72, added=D(2026, 3, 15))
        assert len(rows) == 72
        assert rows[0].period == "2026-03"
        assert all(r.amount == Decimal("83.32") for r in rows[:71])
        assert rows[-1].period == "2032-02"
        assert rows[-1].amount == Decimal("83.28")
        assert rows[-1].accumulated == Decimal("5999.00")
        assert rows[-1].net == Decimal("0.00")
        assert rows[0].accumulated == Decimal("83.32") and rows[0].net == Decimal("5915.68")

    def test_added_on_the_last_day_is_charged_that_month(self):
        """当月增加当月计提: added 2026-03-31 → charged for March; added 2026-04-01 → from April."""
        assert schedule_from_yuan(cost="1200.00", life_months=12, added=D(2026, 3, 31))[0].period == "2026-03"
        assert schedule_from_yuan(cost="1200.00", life_months=12, added=D(2026, 4, 1))[0].period == "2026-04"

    def test_stops_in_the_month_it_leaves(self):
        """当月减少当月不再计提: added 2026-03-15, left 2027-06-05 → charged 2026-03 … 2027-05, i.e.
        15 months × 83.32 = 1,249.80; net 5,999.00 − 1,249.80 = 4,749.20; nothing for 2027-06."""
        rows = schedule_from_yuan(cost="5999.00", life_months=72, added=D(2026, 3, 15), left=D(2027, 6, 5))
        assert len(rows) == 15
        assert rows[-1].period == "2027-05"
        assert rows[-1].accumulated == Decimal("1249.80")
        assert rows[-1].net == Decimal("4749.20")

    def test_left_in_the_month_it_was_added_is_never_charged(self):
        assert (
            schedule_from_yuan(cost="5999.00", life_months=72, added=D(2026, 3, 2), left=D(2026, 3, 28)) == []
        )

    def test_half_up_not_bankers_rounding(self):
        """1,000.05 ÷ 10 = 100.005 → 100.01 (四舍五入; Python's round() would give 100.00).
        9 × 100.01 = 900.09; the 10th month takes 1,000.05 − 900.09 = 99.96."""
        rows = schedule_from_yuan(cost="1000.05", life_months=10, added=D(2026, 1, 1))
        assert [r.amount for r in rows[:9]] == [Decimal("100.01")] * 9
        assert rows[9].amount == Decimal("99.96")

    def test_life_extended_after_a_year(self):
        """10,000.00 over 60 months: 166.6666… → 166.67 a month; after 12 months 2,000.04.
        The life becomes 96 months: (10,000.00 − 2,000.04) ÷ (96 − 12) = 7,999.96 ÷ 84 = 95.2376…
        → 95.24 a month; 83 × 95.24 = 7,904.92; the last month takes 7,999.96 − 7,904.92 = 95.04."""
        cost = fen("10000.00")
        accumulated = straight_line_accumulated_fen(cost, 60, 12)
        assert accumulated == fen("2000.04")
        basis = basis_after_change(
            cost_fen=cost, accumulated_fen=accumulated, months_charged=12, life_months=96
        )
        assert basis == Basis(fen("7999.96"), 84)
        rows = straight_line_schedule(
            cost_fen=cost,
            life_months=96,
            added=D(2025, 1, 10),
            accumulated_fen=accumulated,
            months_charged=12,
            basis=basis,
            first_month=D(2026, 1, 1),
        )
        assert len(rows) == 84
        assert {r.amount_fen for r in rows[:83]} == {fen("95.24")}
        assert rows[-1].amount_fen == fen("95.04")
        assert rows[-1].accumulated_fen == cost
        assert rows[-1].period == "2032-12"

    def test_value_raised_by_an_improvement(self):
        """12,000.00 over 120 months = 100.00 a month; after 24 months 2,400.00. An improvement
        raises the cost to 15,000.00: (15,000.00 − 2,400.00) ÷ 96 = 131.25 a month."""
        basis = basis_after_change(
            cost_fen=fen("15000.00"), accumulated_fen=fen("2400.00"), months_charged=24, life_months=120
        )
        amount = straight_line_charge_fen(
            cost_fen=fen("15000.00"),
            accumulated_fen=fen("2400.00"),
            months_charged=24,
            life_months=120,
            basis=basis,
        )
        assert amount == fen("131.25")

    def test_fully_depreciated_gets_nothing_more(self):
        """A card at net value 0 stays on the books and is not charged, even in use."""
        card = CardState(
            cost_fen=fen("3000.00"),
            accumulated_fen=fen("3000.00"),
            months_charged=72,
            life_months=72,
            booked_on=D(2019, 1, 1),
        )
        assert month_charge_fen(card, D(2026, 11, 1)) is None

    def test_life_shortened_below_months_charged_takes_what_is_left(self):
        """Life cut to 24 months after 30 charged: what is left is charged in the next month."""
        assert (
            straight_line_charge_fen(cost_fen=10000, accumulated_fen=8000, months_charged=30, life_months=24)
            == 2000
        )

    def test_tiny_cost_never_overcharges(self):
        """0.13 over 8 months: 13 ÷ 8 = 1.625 → 2 fen a month; six months make 12 fen, the 7th is
        capped at the 1 fen left; then the card is fully depreciated (nothing is negative)."""
        rows = straight_line_schedule(cost_fen=13, life_months=8, added=D(2026, 1, 1))
        assert [r.amount_fen for r in rows] == [2, 2, 2, 2, 2, 2, 1]

    @pytest.mark.parametrize(
        ("changes", "reason"),
        [
            ({"category_depreciable": False}, "该分类不计提折旧"),
            ({"is_nominal_value": True}, "名义金额"),
            ({"depreciated": False}, "不计提"),
            ({"life_months": None}, "未填写使用年限"),
        ],
    )
    def test_not_depreciated(self, changes, reason):
        """Land, relics and exhibits, books and archives, special animals and plants (categories
        marked so), cards at nominal value (名义金额), cards marked 不计提, and cards without a life."""
        card = CardState(
            cost_fen=fen("50000.00"),
            accumulated_fen=0,
            months_charged=0,
            life_months=120,
            booked_on=D(2026, 1, 5),
        )
        from dataclasses import replace

        from gongwucang.assets.domain.depreciation import excluded_reason

        card = replace(card, **changes)
        assert month_charge_fen(card, D(2026, 11, 1)) is None
        assert reason in (
            excluded_reason(
                category_depreciable=card.category_depreciable,
                depreciated=card.depreciated,
                is_nominal_value=card.is_nominal_value,
                life_months=card.life_months,
                method=card.method,
            )
            or ""
        )

    def test_intangible_amortised_the_same_way(self):
        """Office software (A08 无形资产), 120,000.00 over 10 years: 1,000.00 a month, no residual."""
        rows = schedule_from_yuan(cost="120000.00", life_months=120, added=D(2026, 11, 3))
        assert {r.amount for r in rows} == {Decimal("1000.00")}
        assert rows[-1].accumulated == Decimal("120000.00")

    def test_units_of_production(self):
        """A truck, 300,000.00, expected 600,000 km; 5,000 km in a month: 300,000.00 × 5,000 ÷
        600,000 = 2,500.00. 100,000.00 over 300,000 km, 1,234 km: 41,133.33 fen → 411.33."""
        assert units_of_production_charge_fen(
            cost_fen=fen("300000.00"),
            accumulated_fen=0,
            total_workload=600_000,
            used_workload=0,
            workload=5000,
            basis=Basis(fen("300000.00"), 600_000),
        ) == fen("2500.00")
        assert units_of_production_charge_fen(
            cost_fen=fen("100000.00"),
            accumulated_fen=0,
            total_workload=300_000,
            used_workload=0,
            workload=1234,
            basis=Basis(fen("100000.00"), 300_000),
        ) == fen("411.33")

    def test_units_of_production_last_work_takes_the_rest(self):
        """Work reaching the expected total charges all that is left; no work, no charge."""
        common = {"cost_fen": 1000, "accumulated_fen": 990, "total_workload": 100, "basis": Basis(1000, 100)}
        assert units_of_production_charge_fen(used_workload=99, workload=5, **common) == 10
        assert units_of_production_charge_fen(used_workload=50, workload=0, **common) == 0

    def test_card_on_the_fresh_schedule(self):
        assert on_fresh_schedule(
            cost_fen=599900, accumulated_fen=8332 * 10, months_charged=10, life_months=72
        )
        assert not on_fresh_schedule(
            cost_fen=599900, accumulated_fen=8332 * 10 + 1, months_charged=10, life_months=72
        )


class TestMonths:
    def test_labels_and_parsing(self):
        assert parse_month("2026-11") == D(2026, 11, 1)
        assert parse_month("2026年3月") == D(2026, 3, 1)
        assert parse_month(" 2026/03 ") == D(2026, 3, 1)
        assert month_label(D(2026, 3, 1)) == "2026-03"
        with pytest.raises(DepreciationInputError, match="年-月"):
            parse_month("11/2026")
        with pytest.raises(DepreciationInputError, match="没有这个月份"):
            parse_month("2026-13")

    def test_add_months_across_years(self):
        assert add_months(D(2026, 3, 1), 71) == D(2032, 2, 1)
        assert add_months(D(2026, 1, 1), -1) == D(2025, 12, 1)

    def test_months_between_counts_both_ends(self):
        assert months_between(D(2026, 3, 15), D(2026, 10, 31)) == 8
        assert months_between(D(2026, 11, 7), D(2026, 10, 31)) == 0

    def test_charged_in_month(self):
        kw = {"booked_on": D(2026, 3, 15), "status": "in_use", "disposed_on": None}
        assert not charged_in_month(month=D(2026, 2, 1), **kw)
        assert charged_in_month(month=D(2026, 3, 1), **kw)
        kw.update(status="disposed", disposed_on=D(2026, 7, 20))
        assert charged_in_month(month=D(2026, 6, 1), **kw)
        assert not charged_in_month(month=D(2026, 7, 1), **kw)
        assert not charged_in_month(
            month=D(2026, 7, 1), booked_on=D(2026, 1, 1), status="disposed", disposed_on=None
        )

    def test_calculator_refuses_bad_input_in_chinese(self):
        with pytest.raises(DepreciationInputError, match="两位小数"):
            schedule_from_yuan(cost="10.001", life_months=12, added=D(2026, 1, 1))
        with pytest.raises(DepreciationInputError, match="不能为负数"):
            schedule_from_yuan(cost="-1", life_months=12, added=D(2026, 1, 1))
        with pytest.raises(DepreciationInputError, match="至少为 1 个月"):
            schedule_from_yuan(cost="10", life_months=0, added=D(2026, 1, 1))
        with pytest.raises(DepreciationInputError, match="减少日期"):
            schedule_from_yuan(cost="10", life_months=12, added=D(2026, 5, 1), left=D(2026, 4, 1))
        with pytest.raises(DepreciationInputError, match="有效的金额"):
            schedule_from_yuan(cost="十元", life_months=12, added=D(2026, 5, 1))


costs = st.integers(min_value=0, max_value=10**11)
lives = st.integers(min_value=1, max_value=600)


class TestProperties:
    @given(
        numerator=st.integers(min_value=0, max_value=10**15),
        denominator=st.integers(min_value=1, max_value=10**6),
    )
    def test_integer_rounding_is_decimal_half_up(self, numerator, denominator):
        expected = (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        assert round_half_up_div(numerator, denominator) == int(expected)

    @given(cost=costs, life=lives)
    def test_monthly_amount_matches_the_decimal_rule(self, cost, life):
        assert monthly_amount_fen(cost, life) == round_half_up_div(cost, life)

    @given(cost=costs, life=lives)
    @settings(max_examples=300)
    def test_a_life_sums_to_cost_exactly(self, cost, life):
        rows = straight_line_schedule(cost_fen=cost, life_months=life, added=D(2026, 3, 15))
        assert sum(r.amount_fen for r in rows) == cost
        assert all(r.amount_fen >= 0 for r in rows)
        assert all(0 <= r.accumulated_fen <= cost for r in rows)
        assert len(rows) <= life
        if cost >= life * life:  # the rounding cannot exhaust the cost early
            assert len(rows) == life
            assert len({r.amount_fen for r in rows[:-1]}) <= 1
        for n, row in enumerate(rows, start=1):
            assert row.accumulated_fen == straight_line_accumulated_fen(cost, life, n)

    @given(
        cost=costs,
        life=lives,
        changed_after=st.integers(min_value=0, max_value=600),
        new_cost_delta=st.integers(min_value=-(10**9), max_value=10**9),
        new_life=lives,
    )
    @settings(max_examples=300)
    def test_a_change_still_sums_to_the_new_cost(self, cost, life, changed_after, new_cost_delta, new_life):
        before = straight_line_schedule(cost_fen=cost, life_months=life, added=D(2020, 1, 1))[:changed_after]
        accumulated = before[-1].accumulated_fen if before else 0
        new_cost = max(accumulated, cost + new_cost_delta)
        basis = basis_after_change(
            cost_fen=new_cost, accumulated_fen=accumulated, months_charged=len(before), life_months=new_life
        )
        after = straight_line_schedule(
            cost_fen=new_cost,
            life_months=new_life,
            added=D(2020, 1, 1),
            accumulated_fen=accumulated,
            months_charged=len(before),
            basis=basis,
            first_month=add_months(D(2020, 1, 1), len(before)),
        )
        assert accumulated + sum(r.amount_fen for r in after) == new_cost
        assert all(r.amount_fen >= 0 and r.accumulated_fen <= new_cost for r in after)
        assert len(after) <= max(1, new_life - len(before))

    @given(
        cost=costs,
        total=st.integers(min_value=1, max_value=10**6),
        works=st.lists(st.integers(min_value=0, max_value=10**5), min_size=1, max_size=200),
    )
    def test_units_of_production_never_overcharges(self, cost, total, works):
        card = CardState(
            cost_fen=cost,
            accumulated_fen=0,
            months_charged=0,
            life_months=None,
            booked_on=D(2020, 1, 1),
            method="units_of_production",
            total_workload=total,
            workload_basis=Basis(cost, total),
        )
        month = D(2020, 1, 1)
        for work in works:
            card = CardState(**{**card.__dict__, "workload": work})
            amount = month_charge_fen(card, month)
            if amount is None:
                assert card.accumulated_fen == card.cost_fen
                break
            assert amount >= 0
            card = after_charge(card, amount)
            assert card.accumulated_fen <= cost
            month = add_months(month, 1)
        if sum(works) >= total:
            assert card.accumulated_fen == cost
