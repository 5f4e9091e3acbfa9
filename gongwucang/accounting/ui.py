"""The accounting app's contributions to the shared screens (see core.contributions): menu entries,
finance's to-dos (post and close the month), the depreciation panel with the calculator on the
card page, and the card's depreciation entries in its timeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gongwucang.assets.domain.depreciation import add_months, month_label, month_of
from gongwucang.core.contributions import MenuItem, TimelineEntry, TodoItem
from gongwucang.core.dates import local_today
from gongwucang.core.memo import memo_on
from gongwucang.core.money import fen_to_yuan, format_yuan
from gongwucang.org.scoping import scope_for

from .domain.periods import PeriodStatus
from .forms import CalculatorForm
from .models import Period
from .services import finance_region_ids

MENU = [
    MenuItem("reports", _lazy("折旧与结账"), "accounting:periods", order=20),
    MenuItem("reports", _lazy("资产价值量情况表"), "accounting:summary", order=30),
    MenuItem("reports", _lazy("折旧计算器"), "accounting:calculator", order=40),
]


def _finance_todos(user: Any) -> list[TodoItem]:
    """Finance: last month still to post or to close; this month, once posted, to close. Read once
    per request (kept on the user object): the home page asks for the items and, for the inbox
    badge, their number — four statements each time for finance."""
    return memo_on(user, "finance_todos", lambda: _read_finance_todos(user))


def _read_finance_todos(user: Any) -> list[TodoItem]:
    todos: list[TodoItem] = []
    this_month = month_of(local_today())
    last_month = add_months(this_month, -1)
    for region_id in sorted(finance_region_ids(user)):
        periods = {p.month: p for p in Period.objects.filter(region_id=region_id, month__gte=last_month)}
        url = f"{reverse('accounting:periods')}?region={region_id}"
        last, current = periods.get(last_month), periods.get(this_month)
        if last is None or last.status == PeriodStatus.OPEN:
            todos.append(
                TodoItem(_("计提 %(m)s 的折旧") % {"m": month_label(last_month)}, url, kind="accounting")
            )
        elif last.status == PeriodStatus.POSTED:
            todos.append(
                TodoItem(
                    _("结账 %(m)s") % {"m": month_label(last_month)},
                    reverse("accounting:period", args=[last.pk]),
                    kind="accounting",
                )
            )
        elif current is not None and current.status == PeriodStatus.POSTED:
            todos.append(
                TodoItem(
                    _("结账 %(m)s") % {"m": month_label(this_month)},
                    reverse("accounting:period", args=[current.pk]),
                    kind="accounting",
                )
            )
    return todos


def inbox_count(user: Any) -> int:
    return len(_finance_todos(user))


def todo_items(user: Any) -> list[TodoItem]:
    return _finance_todos(user)


def _page_entries(asset: Any) -> list[Any]:
    """The card's entries, read once per card page: its timeline and its panel both show them, and
    the page hands both hooks the same asset object (it lives for one request)."""
    from .selectors import card_entries

    return memo_on(asset, "accounting_entries", lambda: card_entries(asset=asset))


def card_panels(request: Any, asset: Any) -> list[str]:
    """折旧: the card's monthly amount, what is left, its last entries, and the calculator."""
    from .selectors import card_schedule

    schedule = card_schedule(asset=asset, past=_page_entries(asset))
    form = CalculatorForm(
        initial={
            "cost": fen_to_yuan(asset.book.original_value_fen),
            "life_months": asset.useful_life_months,
            "added": asset.booked_on,
            "left": asset.disposed_on,
        }
    )
    html = render_to_string(
        "accounting/_card_panel.html",
        {
            "asset": asset,
            "schedule": schedule,
            "recent": schedule.past[-3:][::-1],
            "form": form,
            "can_write": scope_for(request.user).can_write(asset.owner_unit_id),
        },
        request=request,
    )
    return [html]


def timeline_entries(asset: Any) -> list[TimelineEntry]:
    """Each month's depreciation entry beside the card's ledger events."""
    entries = []
    for entry in _page_entries(asset):
        run = getattr(entry, "run_cached", None)
        when = (
            run.finished_at
            if run and run.finished_at
            else timezone.make_aware(dt.datetime.combine(entry.period.next_month, dt.time.min))
        )
        lines = [
            _("本期折旧 %(a)s，累计折旧 %(acc)s，净值 %(net)s")
            % {
                "a": format_yuan(entry.amount_fen),
                "acc": format_yuan(entry.accumulated_after_fen),
                "net": format_yuan(entry.net_after_fen),
            },
        ]
        if entry.workload is not None:
            lines.append(_("工作量 %(w)s") % {"w": entry.workload})
        if entry.unit_id != asset.owner_unit_id:
            lines.append(_("计提单位：%(u)s（调剂当月）") % {"u": entry.unit.name})
        entries.append(
            TimelineEntry(
                occurred_at=when,
                title=_("计提折旧 %(p)s") % {"p": entry.period.label},
                lines=lines,
                actor=str(run.actor) if run and run.actor else _("系统"),
                reference=_("折旧 %(p)s") % {"p": entry.period.label},
            )
        )
    return entries
