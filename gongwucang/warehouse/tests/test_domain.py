"""Pure rules of the warehouse: savings and loan reminders."""

import datetime as dt

from gongwucang.warehouse.domain.choices import Availability, availability
from gongwucang.warehouse.domain.loans import Reminder, days_overdue, reminder_due
from gongwucang.warehouse.domain.savings import line_savings_fen, matching_standard_code


def test_savings_is_the_standard_cap_else_the_original_value():
    assert line_savings_fen(original_value_fen=899_900, quantity=1, price_cap_fen=700_000) == 700_000
    assert line_savings_fen(original_value_fen=899_900, quantity=2, price_cap_fen=700_000) == 1_400_000
    assert line_savings_fen(original_value_fen=899_900, quantity=1, price_cap_fen=None) == 899_900


def test_standard_matches_the_class_or_its_nearest_ancestor():
    codes = {"A02010108", "A02010100", "A05010100"}
    assert matching_standard_code("A02010108", codes) == "A02010108"
    assert matching_standard_code("A02010105", codes) == "A02010100"
    assert matching_standard_code("A05010301", codes) is None


D = dt.date(2026, 5, 10)


def test_reminders():
    due = dt.date(2026, 5, 12)
    assert (
        reminder_due(today=D, due_on=due, days_before=3, due_soon_sent_on=None, overdue_sent_on=None)
        is Reminder.DUE_SOON
    )
    assert reminder_due(today=D, due_on=due, days_before=3, due_soon_sent_on=D, overdue_sent_on=None) is None
    assert (
        reminder_due(
            today=D, due_on=dt.date(2026, 5, 20), days_before=3, due_soon_sent_on=None, overdue_sent_on=None
        )
        is None
    )
    late = dt.date(2026, 5, 1)
    assert (
        reminder_due(today=D, due_on=late, days_before=3, due_soon_sent_on=D, overdue_sent_on=None)
        is Reminder.OVERDUE
    )
    assert reminder_due(today=D, due_on=late, days_before=3, due_soon_sent_on=D, overdue_sent_on=D) is None
    assert days_overdue(today=D, due_on=late) == 9 and days_overdue(today=D, due_on=due) == 0


def test_availability_of_a_pool_item():
    assert availability(status="on_loan", is_held=True) == Availability.ON_LOAN  # lent: held by its loan
    assert availability(status="in_stock", is_held=True) == Availability.HELD
    assert availability(status="in_stock", is_held=False) == Availability.AVAILABLE
