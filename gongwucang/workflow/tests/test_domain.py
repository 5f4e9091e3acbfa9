"""The transition table and the routing rules, without a database."""

import pytest

from gongwucang.workflow.domain.routing import (
    OrderFacts,
    StepRule,
    applicable_steps,
    is_cross_department,
    parse_prefixes,
)
from gongwucang.workflow.domain.statuses import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    TRANSITIONS,
    TYPE_ACTIONS,
    Action,
    OrderStatus,
    OrderType,
    TransitionError,
    check_transition,
    format_order_no,
    targets,
)


def test_order_numbers_per_type():
    assert format_order_no(OrderType.INTAKE, 2026, 123) == "RC-2026-000123"
    assert format_order_no(OrderType.ALLOCATION, 2026, 1) == "DB-2026-000001"
    assert format_order_no(OrderType.LOAN, 2027, 45) == "JY-2027-000045"


def test_closed_statuses_have_no_way_out():
    for status, _action in TRANSITIONS:
        assert status not in CLOSED_STATUSES
    assert not OPEN_STATUSES & CLOSED_STATUSES
    assert OrderStatus.DRAFT not in OPEN_STATUSES  # a draft holds nothing


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        (OrderStatus.DRAFT, Action.SUBMIT, {OrderStatus.SUBMITTED}),
        (OrderStatus.RETURNED, Action.SUBMIT, {OrderStatus.SUBMITTED}),
        (OrderStatus.SUBMITTED, Action.APPROVE, {OrderStatus.IN_APPROVAL, OrderStatus.APPROVED}),
        (OrderStatus.IN_APPROVAL, Action.REJECT, {OrderStatus.REJECTED}),
        (OrderStatus.IN_APPROVAL, Action.RETURN_FOR_REVISION, {OrderStatus.RETURNED}),
        (OrderStatus.APPROVED, Action.CANCEL, {OrderStatus.CANCELLED}),
    ],
)
def test_allowed_transitions(status, action, expected):
    assert targets(OrderType.INTAKE, status, action) == expected


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (OrderStatus.DRAFT, Action.APPROVE),
        (OrderStatus.APPROVED, Action.APPROVE),
        (OrderStatus.DONE, Action.CANCEL),
        (OrderStatus.REJECTED, Action.SUBMIT),
        (OrderStatus.EXECUTING, Action.CANCEL),
        (OrderStatus.SUBMITTED, Action.RECEIVE),
    ],
)
def test_refused_transitions_say_why_in_chinese(status, action):
    with pytest.raises(TransitionError, match="单据当前状态为"):
        targets(OrderType.INTAKE, status, action)


def test_actions_belong_to_their_type():
    with pytest.raises(TransitionError, match="没有「出仓」操作"):
        targets(OrderType.INTAKE, OrderStatus.APPROVED, Action.DISPATCH)
    assert (
        Action.LEND in TYPE_ACTIONS[OrderType.LOAN] and Action.LEND not in TYPE_ACTIONS[OrderType.ALLOCATION]
    )


def test_target_must_be_in_table():
    check_transition(OrderType.INTAKE, OrderStatus.APPROVED, Action.RECEIVE, OrderStatus.DONE)
    with pytest.raises(TransitionError):
        check_transition(OrderType.INTAKE, OrderStatus.APPROVED, Action.RECEIVE, OrderStatus.REJECTED)


HEAD = StepRule(10, "单位负责人审核", "unit_head", "own_unit")
SUP = StepRule(20, "主管部门审核", "supervisor", "supervising_unit", 5_000_000, ("A01", "A0203"))
FIN = StepRule(30, "财政审批", "finance", "finance", 5_000_000, ("A01", "A0203"), when_cross_department=True)


@pytest.mark.parametrize(
    ("total", "codes", "cross", "names"),
    [
        (4_999_999, {"A02010108"}, False, ["单位负责人审核"]),  # 49,999.99 yuan: just below
        (5_000_000, {"A02010108"}, False, ["单位负责人审核", "主管部门审核", "财政审批"]),  # at the threshold
        (
            100,
            {"A02030500"},
            False,
            ["单位负责人审核", "主管部门审核", "财政审批"],
        ),  # a vehicle, whatever its value
        (100, {"A01010100"}, False, ["单位负责人审核", "主管部门审核", "财政审批"]),  # a house
        (100, {"A02010108"}, True, ["单位负责人审核", "财政审批"]),  # cross-department: finance only
    ],
)
def test_routing(total, codes, cross, names):
    steps = applicable_steps([FIN, HEAD, SUP], OrderFacts(total, frozenset(codes), cross))
    assert [s.name for s in steps] == names


def test_prefixes_parse_chinese_punctuation():
    assert parse_prefixes("A01，a0203； A0801") == ("A01", "A0203", "A0801")


def test_cross_department():
    # (unit, supervising unit) pairs: same supervisor → not cross; different → cross; same unit → not.
    assert not is_cross_department([((4, 3), (5, 3))])
    assert is_cross_department([((2, None), (4, 3))])
    assert not is_cross_department([((3, None), (4, 3))])  # the supervisor itself ↔ its subordinate
    assert not is_cross_department([((4, 3), (4, 3))])


def test_default_special_classes_exist_in_the_reference_categories():
    """Every category prefix the default flows route upwards (houses, vehicles, land) names classes
    that the reference table loads, so the rule is not a dead letter."""
    import csv
    from pathlib import Path

    from django.conf import settings

    from gongwucang.workflow.domain.default_flows import SPECIAL_CLASSES

    path = Path(settings.BASE_DIR) / "data" / "reference" / "categories.csv"
    rows = csv.DictReader(
        line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")
    )
    names = {row["code"]: row["name_zh"] for row in rows}
    prefixes = parse_prefixes(SPECIAL_CLASSES)
    assert prefixes == ("A01", "A0203", "A0801")
    for prefix in prefixes:
        assert any(code.startswith(prefix) for code in names), prefix
    assert names["A08010000"] == "土地使用权"
