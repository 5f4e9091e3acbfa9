"""Which approval steps an order goes through: pure rules on plain data (no ORM).

A flow is an ordered list of steps. A step with no condition always applies; a step with
conditions applies when *any* of them holds (DOMAIN.md §4: "supervising unit when value ≥ 50,000
or category is house/land/vehicle"):
- the order's total original value ≥ the step's threshold;
- a line's category code starts with one of the step's prefixes (A01 houses, A0203 vehicles …);
- the order moves title between units under different supervising units (跨部门).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class StepRule:
    seq: int
    name: str
    role: str
    scope: str
    min_total_fen: int | None = None
    category_prefixes: tuple[str, ...] = ()
    when_cross_department: bool = False

    @property
    def is_conditional(self) -> bool:
        return self.min_total_fen is not None or bool(self.category_prefixes) or self.when_cross_department


@dataclass(frozen=True)
class OrderFacts:
    """What routing looks at: total original value (fen), the lines' category codes, cross-department."""

    total_fen: int
    category_codes: frozenset[str] = field(default_factory=frozenset)
    cross_department: bool = False


def parse_prefixes(text: str) -> tuple[str, ...]:
    """'A01, A0203；A0801' → ('A01', 'A0203', 'A0801')."""
    parts = text.replace("；", ",").replace("，", ",").replace(";", ",").replace(" ", ",").split(",")
    return tuple(p.strip().upper() for p in parts if p.strip())


def step_applies(rule: StepRule, facts: OrderFacts) -> bool:
    if not rule.is_conditional:
        return True
    if rule.min_total_fen is not None and facts.total_fen >= rule.min_total_fen:
        return True
    if rule.category_prefixes and any(
        code.startswith(prefix) for code in facts.category_codes for prefix in rule.category_prefixes
    ):
        return True
    return rule.when_cross_department and facts.cross_department


def applicable_steps(rules: Iterable[StepRule], facts: OrderFacts) -> list[StepRule]:
    """The steps this order takes, in order."""
    return [r for r in sorted(rules, key=lambda r: r.seq) if step_applies(r, facts)]


def supervising_key(unit_id: int, supervising_unit_id: int | None) -> int:
    """The 'department' a unit belongs to for the cross-department rule: its supervising unit,
    or itself when it has none."""
    return supervising_unit_id if supervising_unit_id is not None else unit_id


def is_cross_department(pairs: Sequence[tuple[tuple[int, int | None], tuple[int, int | None]]]) -> bool:
    """True if any (from unit, to unit) pair — each as (id, supervising id) — crosses departments."""
    return any(a[0] != b[0] and supervising_key(*a) != supervising_key(*b) for a, b in pairs)
