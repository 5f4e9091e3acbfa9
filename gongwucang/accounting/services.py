"""Writes of the accounting app: posting depreciation, closing and reopening periods, workloads.

Every function is keyword-only and transactional; a month's posting is one transaction (all of its
entries and book values, or nothing). Permission: finance of the region posts, closes and
reopens; `actor=None` is the system itself (a management command run by the operator).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongwucang.assets.domain.depreciation import (
    UNITS_OF_PRODUCTION,
    add_months,
    month_label,
)
from gongwucang.assets.domain.events import EventType
from gongwucang.assets.exceptions import AssetNotWritable
from gongwucang.assets.ledger import record_event
from gongwucang.assets.models import Asset
from gongwucang.core.money import format_yuan
from gongwucang.org.domain.roles import Role
from gongwucang.org.models import Region, User
from gongwucang.org.scoping import scope_for
from gongwucang.org.selectors import memberships_of

from .domain.periods import (
    PeriodAction,
    PeriodStatus,
    PeriodTransitionError,
    RequestStatus,
    check_request_move,
    next_status,
)
from .models import (
    DepreciationEntry,
    DepreciationRun,
    Period,
    PeriodEvent,
    PostingRequest,
    WorkloadPlan,
    WorkloadReading,
)
from .posting import count_missing, post_entries

logger = logging.getLogger(__name__)


class AccountingNotAllowed(PermissionError):
    """The actor may not do this here (views answer 404: the object does not exist for them)."""


# --- Who may ----------------------------------------------------------------------------------


def finance_region_ids(actor: User | None) -> frozenset[int]:
    """The regions in which `actor` holds the finance role: those of the units where they hold it,
    from the memberships the request reads once (org.selectors.memberships_of, also the scope's)."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return frozenset()
    return frozenset(m.unit.region_id for m in memberships_of(actor) if m.role == Role.FINANCE)


def is_finance_of(actor: User | None, region_id: int) -> bool:
    """Whether `actor` holds the finance role in a unit of the region."""
    return region_id in finance_region_ids(actor)


def _require_finance(actor: User | None, region_id: int) -> None:
    if actor is None:
        return  # the system: a management command run by the operator
    if not is_finance_of(actor, region_id):
        raise AccountingNotAllowed(_("只有财政人员可以计提折旧、结账和反结账"))


# --- Periods and their order --------------------------------------------------------------------


def holder_instant(region: Region, month: dt.date) -> dt.datetime:
    """When the unit charged for `month` is read: the start of the month, or its end (the region's
    setting for the month a card changes hands), in local time."""
    day = month if region.transfer_month_charged_by != "end" else add_months(month, 1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def months_to_post(*, region: Region, month: dt.date, catch_up: bool) -> list[dt.date]:
    """The months a posting up to `month` must post, in order; refuses a posting out of order.

    Months are posted one after another: a region's first posting may be any month; after that
    the month before must be posted (catch-up mode posts the missing ones first). A posted month
    may be posted again (补提: only cards without an entry) as long as no later month is posted.
    """
    periods = dict(Period.objects.filter(region=region).values_list("month", "status"))
    label = month_label(month)
    posted = sorted(m for m, status in periods.items() if status != PeriodStatus.OPEN)
    if not posted:
        return [month]  # the region's first posting (open rows may exist from workload entries)
    first = posted[0]
    if month < first:
        raise ValidationError(
            _("%(label)s 早于本区域的第一个会计期间 %(first)s，不能计提")
            % {"label": label, "first": month_label(first)}
        )
    if periods.get(month) == PeriodStatus.CLOSED:
        raise ValidationError(
            _("会计期间 %(label)s 已结账，不能再计提折旧；更正请在下一个未结账期间办理") % {"label": label}
        )
    later = sorted(m for m, status in periods.items() if m > month and status != PeriodStatus.OPEN)
    if later:
        raise ValidationError(
            _("后续期间 %(later)s 已计提折旧，不能再计提 %(label)s")
            % {"later": month_label(later[0]), "label": label}
        )
    missing: list[dt.date] = []
    previous = add_months(month, -1)
    while previous >= first and periods.get(previous, PeriodStatus.OPEN) == PeriodStatus.OPEN:
        missing.insert(0, previous)
        previous = add_months(previous, -1)
    if missing and not catch_up:
        raise ValidationError(
            _("%(month)s 尚未计提折旧，请先按月依次计提，或选择补提模式（依次补提 %(month)s 至 %(label)s）")
            % {"month": month_label(missing[0]), "label": label}
        )
    return [*missing, month]


def _lock_period(region: Region, month: dt.date) -> Period:
    """The period row, created open if missing, locked for the rest of the transaction."""
    try:
        with transaction.atomic():  # a savepoint: two first postings of a month may race here
            Period.objects.get_or_create(region=region, month=month)
    except IntegrityError:
        pass
    return Period.objects.select_for_update().get(region=region, month=month)


class _NothingNew(Exception):
    """A repeated posting found no card left to charge: roll its run back, change nothing."""


@dataclass(frozen=True)
class MonthResult:
    month: dt.date
    run: DepreciationRun | None  # None: the month was already fully posted

    @property
    def cards(self) -> int:
        return self.run.cards if self.run else 0

    @property
    def total_fen(self) -> int:
        return self.run.total_fen if self.run else 0


def _post_month(
    *, actor: User | None, region: Region, month: dt.date, request: PostingRequest | None = None
) -> MonthResult:
    """Post one month in one transaction: every entry and book value, or nothing."""
    try:
        with transaction.atomic():
            _require_finance(actor, region.pk)
            period = _lock_period(region, month)
            try:
                next_status(period.status, PeriodAction.POST)
            except PeriodTransitionError as exc:
                raise ValidationError(f"{period.label}：{exc}") from exc
            if (
                Period.objects.filter(region=region, month__gt=month)
                .exclude(status=PeriodStatus.OPEN)
                .exists()
            ):
                raise ValidationError(
                    _("后续期间已计提折旧，不能再计提 %(period)s") % {"period": period.label}
                )
            previous = Period.objects.filter(region=region, month=add_months(month, -1)).first()
            earlier = (
                Period.objects.filter(region=region, month__lt=month)
                .exclude(status=PeriodStatus.OPEN)
                .exists()
            )
            if earlier and (previous is None or previous.status == PeriodStatus.OPEN):
                raise ValidationError(
                    _("%(month)s 尚未计提折旧，请先按月依次计提")
                    % {"month": month_label(add_months(month, -1))}
                )
            supplementary = period.status == PeriodStatus.POSTED
            now = timezone.now()
            run = DepreciationRun.objects.create(
                period=period, request=request, actor=actor, is_supplementary=supplementary, started_at=now
            )
            totals = post_entries(
                region_id=region.pk,
                period_id=period.pk,
                run_id=run.pk,
                next_month=period.next_month,
                holder_at=holder_instant(region, month),
            )
            if supplementary and totals.cards == 0:
                raise _NothingNew
            run.cards, run.total_fen, run.finished_at = totals.cards, totals.total_fen, timezone.now()
            run.save(update_fields=["cards", "total_fen", "finished_at"])
            if not supplementary:
                period.status = PeriodStatus.POSTED
                period.posted_at = run.finished_at
                period.save(update_fields=["status", "posted_at"])
            PeriodEvent.objects.create(
                period=period,
                kind=PeriodEvent.Kind.SUPPLEMENTED if supplementary else PeriodEvent.Kind.POSTED,
                actor=actor,
                run=run,
            )
            return MonthResult(month, run)
    except _NothingNew:
        return MonthResult(month, None)


def depreciation_post(
    *, actor: User | None, region: Region, month: dt.date, catch_up: bool = False
) -> list[MonthResult]:
    """Post depreciation for `month` (and, in catch-up mode, every missing month before it, in
    order), each month in its own transaction. Posting a month again changes nothing unless
    cards were added since (they alone are charged)."""
    _require_finance(actor, region.pk)
    return [
        _post_month(actor=actor, region=region, month=m)
        for m in months_to_post(region=region, month=month, catch_up=catch_up)
    ]


# --- Posting in the background, with progress ---------------------------------------------------


@transaction.atomic
def posting_request_create(
    *, actor: User | None, region: Region, month: dt.date, catch_up: bool
) -> PostingRequest:
    """Record a request to post up to `month` and hand it to the task worker after commit.

    Refused at once (nothing recorded) when the months are out of order, a period is closed, or
    another request of the region is still running.
    """
    _require_finance(actor, region.pk)
    months = months_to_post(region=region, month=month, catch_up=catch_up)
    busy = PostingRequest.objects.select_for_update().filter(
        region=region, status__in=[RequestStatus.QUEUED, RequestStatus.RUNNING]
    )
    if busy.exists():
        raise ValidationError(_("本区域已有计提任务正在进行，请等它完成后再试"))
    request = PostingRequest.objects.create(
        region=region,
        month=month,
        catch_up=catch_up,
        requested_by=actor,
        months_total=len(months),
        message="已提交，等待后台处理",
    )
    from .tasks import run_posting_request  # the task module imports this one

    transaction.on_commit(lambda: run_posting_request.enqueue(request_id=request.pk))
    return request


def _request_update(request_id: int, **values: object) -> PostingRequest:
    """Write progress in its own short transaction, so the page sees it while the work goes on."""
    with transaction.atomic():
        request = PostingRequest.objects.select_for_update().get(pk=request_id)
        target = values.get("status")
        if target is not None and target != request.status:
            check_request_move(request.status, str(target))
        for name, value in values.items():
            setattr(request, name, value)
        request.save(update_fields=list(values))
        return request


def posting_request_run(*, request_id: int) -> PostingRequest:
    """The background task's body: post the request's months one by one, reporting progress.

    A failure stops at the month that failed; that month is rolled back entirely (earlier months
    of a catch-up stay posted, each complete) and the error is shown on the request.
    """
    with transaction.atomic():
        request = (
            PostingRequest.objects.select_for_update(of=("self",))
            .select_related("region", "requested_by")
            .get(pk=request_id)
        )
        if request.status != RequestStatus.QUEUED:
            return request  # delivered twice: the first delivery does the work
    request = _request_update(
        request_id, status=RequestStatus.RUNNING, started_at=timezone.now(), message="开始计提"
    )
    cards = total = 0
    try:
        months = months_to_post(region=request.region, month=request.month, catch_up=request.catch_up)
        request = _request_update(request_id, months_total=len(months), months_done=0)
        for index, month in enumerate(months, start=1):
            _request_update(
                request_id,
                current_month=month,
                message=f"正在计提 {month_label(month)}（第 {index}/{len(months)} 期）",
            )
            result = _post_month(
                actor=request.requested_by, region=request.region, month=month, request=request
            )
            cards += result.cards
            total += result.total_fen
            _request_update(request_id, months_done=index, cards=cards, total_fen=total)
    except (ValidationError, AccountingNotAllowed) as exc:
        message = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return _request_update(
            request_id,
            status=RequestStatus.FAILED,
            error=message,
            finished_at=timezone.now(),
            message="计提未完成，失败的月份没有写入任何数据",
        )
    except Exception as exc:
        logger.exception("posting request %s failed", request_id)
        return _request_update(
            request_id,
            status=RequestStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}",
            finished_at=timezone.now(),
            message="计提未完成，失败的月份没有写入任何数据",
        )
    done = (
        f"完成：计提 {len(months)} 期，{cards} 张卡片，合计 {format_yuan(total)}"
        if cards
        else "完成：没有需要计提的卡片"
    )
    return _request_update(
        request_id,
        status=RequestStatus.SUCCEEDED,
        finished_at=timezone.now(),
        message=done,
        current_month=None,
    )


# --- Closing and reopening ----------------------------------------------------------------------


def missing_cards(period: Period) -> int:
    """Cards the period would still charge (cards added after its posting)."""
    region = period.region
    return count_missing(
        region_id=region.pk,
        period_id=period.pk,
        next_month=period.next_month,
        holder_at=holder_instant(region, period.month),
    )


@transaction.atomic
def period_close(*, actor: User | None, period_id: int) -> Period:
    """结账: after this nothing dated in the period changes. Refused unless the period is posted,
    the month before is closed, and no card is left without its entry for the month."""
    period = Period.objects.select_for_update(of=("self",)).select_related("region").get(pk=period_id)
    _require_finance(actor, period.region_id)
    try:
        target = next_status(period.status, PeriodAction.CLOSE)
    except PeriodTransitionError as exc:
        raise ValidationError(f"{period.label}：{exc}") from exc
    previous = (
        Period.objects.filter(region_id=period.region_id, month__lt=period.month).order_by("-month").first()
    )
    if previous is not None and previous.status != PeriodStatus.CLOSED:
        raise ValidationError(_("请先结账 %(previous)s，期间按月依次结账") % {"previous": previous.label})
    missing = missing_cards(period)
    if missing:
        raise ValidationError(
            _("有 %(missing)s 张卡片尚未计提 %(period)s 的折旧（计提后新增），请先补充计提再结账")
            % {"missing": missing, "period": period.label}
        )
    period.status = target
    period.closed_at = timezone.now()
    period.closed_by = actor
    period.save(update_fields=["status", "closed_at", "closed_by"])
    PeriodEvent.objects.create(period=period, kind=PeriodEvent.Kind.CLOSED, actor=actor)
    return period


@transaction.atomic
def period_reopen(*, actor: User | None, period_id: int, reason: str) -> Period:
    """反结账: only the latest closed period, only while no later month is posted, with a reason
    that is kept in the period's history."""
    period = Period.objects.select_for_update(of=("self",)).select_related("region").get(pk=period_id)
    _require_finance(actor, period.region_id)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("请填写反结账的原因")})
    try:
        target = next_status(period.status, PeriodAction.REOPEN)
    except PeriodTransitionError as exc:
        raise ValidationError(f"{period.label}：{exc}") from exc
    later = Period.objects.filter(region_id=period.region_id, month__gt=period.month).exclude(
        status=PeriodStatus.OPEN
    )
    later_closed = later.filter(status=PeriodStatus.CLOSED).order_by("-month").first()
    if later_closed is not None:
        raise ValidationError(
            _("只能反结账最近结账的期间（%(later_closed)s）") % {"later_closed": later_closed.label}
        )
    later_posted = later.order_by("month").first()
    if later_posted is not None:
        raise ValidationError(
            _("%(later_posted)s 已计提折旧，不能反结账 %(period)s")
            % {"later_posted": later_posted.label, "period": period.label}
        )
    period.status = target
    period.save(update_fields=["status"])
    PeriodEvent.objects.create(period=period, kind=PeriodEvent.Kind.REOPENED, actor=actor, reason=reason)
    return period


@transaction.atomic
def periods_open_books(*, actor: User | None, region: Region, first: dt.date, last: dt.date) -> list[Period]:
    """Go-live: mark `first`..`last` as closed opening periods (期初). Their depreciation is in
    the cards' opening book values, so they carry no entries; posting continues with the month
    after `last`. Only for a region without periods."""
    _require_finance(actor, region.pk)
    if first > last:
        raise ValidationError(_("期初期间的起止月份颠倒了"))
    if Period.objects.filter(region=region).exclude(status=PeriodStatus.OPEN).exists():
        raise ValidationError(_("本区域已计提过折旧，不能再设置期初期间"))
    now = timezone.now()
    periods = []
    month = first
    while month <= last:
        period, _created = Period.objects.update_or_create(
            region=region,
            month=month,
            defaults={
                "status": PeriodStatus.CLOSED,
                "is_opening": True,
                "posted_at": now,
                "closed_at": now,
                "closed_by": actor,
            },
        )
        PeriodEvent.objects.create(
            period=period,
            kind=PeriodEvent.Kind.OPENING,
            actor=actor,
            reason="期初：本期及以前的折旧已计入资产卡片的期初累计折旧",
        )
        periods.append(period)
        month = add_months(month, 1)
    return periods


# --- Units of production ------------------------------------------------------------------------


def _lock_writable_card(actor: User, asset_id: int) -> Asset:
    asset = Asset.objects.select_for_update(of=("self",)).select_related("book").get(pk=asset_id)
    if not scope_for(actor).can_write(asset.owner_unit_id):
        raise AssetNotWritable(_("您没有修改该资产的权限"))
    if asset.depreciation_method != UNITS_OF_PRODUCTION:
        raise ValidationError(_("该资产的折旧方法不是工作量法；请先在资产卡片上把折旧方法改为「工作量法」"))
    return asset


@transaction.atomic
def workload_plan_set(*, actor: User, asset_id: int, total_workload: int, workload_unit: str) -> WorkloadPlan:
    """Set a units-of-production card's expected total work. What is left of its value is spread
    over the work that is left from now on. One ledger event on the card."""
    asset = _lock_writable_card(actor, asset_id)
    workload_unit = (workload_unit or "").strip()
    if not workload_unit:
        raise ValidationError({"workload_unit": _("请填写工作量单位，如 公里、小时、页")})
    plan = WorkloadPlan.objects.select_for_update().filter(asset_id=asset.pk).first()
    used = plan.used_workload if plan else 0
    if total_workload < 1 or total_workload <= used:
        raise ValidationError(
            {"total_workload": _("预计总工作量应大于已计提的工作量（%(used)s）") % {"used": used}}
        )
    book = asset.book
    before = {"预计总工作量": plan.total_workload, "工作量单位": plan.workload_unit} if plan else {}
    plan = plan or WorkloadPlan(asset=asset)
    plan.total_workload = total_workload
    plan.workload_unit = workload_unit
    plan.used_workload = used
    plan.base_fen = max(0, book.original_value_fen - book.accumulated_depreciation_fen)
    plan.base_workload = total_workload - used
    plan.updated_at = timezone.now()
    plan.save()
    record_event(
        asset=asset,
        event_type=EventType.DEPRECIATION_ADJUSTED,
        actor=actor,
        before=before,
        after={"预计总工作量": total_workload, "工作量单位": workload_unit},
        note="工作量法：设置预计总工作量",
    )
    return plan


@transaction.atomic
def workload_record(*, actor: User, asset_id: int, month: dt.date, workload: int) -> WorkloadReading:
    """Enter (or correct) a units-of-production card's work for a month, before that month's entry."""
    asset = _lock_writable_card(actor, asset_id)
    if workload < 0:
        raise ValidationError({"workload": _("工作量不能为负数")})
    if not WorkloadPlan.objects.filter(asset_id=asset.pk).exists():
        raise ValidationError(_("请先设置该资产的预计总工作量"))
    period = _lock_period(asset.region, month)
    if period.status == PeriodStatus.CLOSED:
        raise ValidationError(_("会计期间 %(period)s 已结账，不能再录入工作量") % {"period": period.label})
    if DepreciationEntry.objects.filter(asset_id=asset.pk, period_id=period.pk).exists():
        raise ValidationError(
            _("该资产 %(period)s 的折旧已计提，工作量不能再修改") % {"period": period.label}
        )
    reading, _created = WorkloadReading.objects.update_or_create(
        asset=asset,
        period=period,
        defaults={"workload": workload, "entered_by": actor, "entered_at": timezone.now()},
    )
    return reading
