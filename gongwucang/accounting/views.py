"""Accounting screens: periods (post, close, reopen), posting progress, 折旧明细, 资产价值量情况表,
a card's schedule, the calculator, units-of-production workloads.

Thin: parse, call a selector or a service, render. What the actor may not see is a 404; what they
may see but not do is a 404 too (the action does not exist for them), as on the asset screens.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gongwucang.assets.domain.depreciation import month_label, schedule_from_yuan
from gongwucang.assets.exceptions import AssetNotWritable
from gongwucang.assets.selectors import asset_detail_queryset, asset_queryset
from gongwucang.core.http import AuthedRequest, id_param, vary_on_htmx, wants_fragment
from gongwucang.core.money import format_yuan, yuan_to_fen
from gongwucang.org.scoping import scope_for
from gongwucang.spreadsheets.export import Column, xlsx_response

from . import selectors, services
from .domain.periods import PeriodStatus
from .forms import (
    CalculatorForm,
    EntryFilterForm,
    PostForm,
    ReopenForm,
    SummaryForm,
    WorkloadPlanForm,
    WorkloadReadingForm,
)
from .models import Period

ENTRY_PAGE_SIZE = 50


def _region_or_404(request: AuthedRequest):  # type: ignore[no-untyped-def]
    raw = request.GET.get("region", "")
    region = selectors.region_of(request.user, id_param(raw))
    if region is None:
        raise Http404
    return region


@login_required
def period_list(request: AuthedRequest) -> HttpResponse:
    region = _region_or_404(request)
    is_finance = services.is_finance_of(request.user, region.pk)
    form = PostForm(initial={"month": month_label(selectors.next_month_to_post(region=region))})
    return render(
        request,
        "accounting/period_list.html",
        {
            "region": region,
            "rows": selectors.period_rows(region=region),
            "is_finance": is_finance,
            "post_form": form,
            "requests": selectors.recent_requests(region=region) if is_finance else [],
            "regions": selectors.regions_of(request.user),
        },
    )


@login_required
@require_POST
def post_request(request: AuthedRequest) -> HttpResponse:
    """计提折旧: record the request and hand it to the background worker; show its progress."""
    region = _region_or_404(request)
    if not services.is_finance_of(request.user, region.pk):
        raise Http404
    form = PostForm(request.POST)
    if form.is_valid():
        try:
            posting = services.posting_request_create(
                actor=request.user,
                region=region,
                month=form.cleaned_data["month"],
                catch_up=form.cleaned_data["catch_up"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            return redirect("accounting:request", pk=posting.pk)
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect(f"{_url('accounting:periods')}?region={region.pk}")


def _url(name: str, *args: object) -> str:
    from django.urls import reverse

    return reverse(name, args=args)


@login_required
def request_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    posting = selectors.request_for(actor=request.user, request_id=pk)
    if posting is None:
        raise Http404
    template = "accounting/_progress.html" if wants_fragment(request) else "accounting/request_detail.html"
    context = {"posting": posting, "runs": posting.runs.select_related("period")}
    return vary_on_htmx(render(request, template, context))


@login_required
def period_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    period = selectors.period_for(actor=request.user, period_id=pk)
    if period is None:
        raise Http404
    scope = scope_for(request.user)
    units = scope.readable_units().filter(region_id=period.region_id).order_by("tree_path")
    classes = [(code, f"{code} {name}") for code, name in selectors._top_classes().items()]
    form = EntryFilterForm(request.GET or None, units=units, classes=classes)
    unit_id, top_class = None, ""
    if form.is_valid():
        unit_id = form.cleaned_data["unit"].pk if form.cleaned_data["unit"] else None
        top_class = form.cleaned_data["top_class"] or ""
    entries = selectors.entry_list(actor=request.user, period=period, unit_id=unit_id, top_class=top_class)
    page = Paginator(entries, ENTRY_PAGE_SIZE).get_page(request.GET.get("page"))
    is_finance = services.is_finance_of(request.user, period.region_id)
    return render(
        request,
        "accounting/period_detail.html",
        {
            "period": period,
            "form": form,
            "page": page,
            "totals": selectors.entry_totals(actor=request.user, period=period),
            "events": period.events.select_related("actor", "run")[:50],
            "runs": period.runs.select_related("actor").order_by("started_at"),
            "is_finance": is_finance,
            "missing": services.missing_cards(period)
            if is_finance and period.status == PeriodStatus.POSTED
            else 0,
            "reopen_form": ReopenForm(),
            "query_string": request.GET.urlencode(),
        },
    )


@login_required
def period_export(request: AuthedRequest, pk: int) -> HttpResponse:
    """折旧明细 of the period as xlsx: exactly the rows the actor may read (and has filtered)."""
    period = selectors.period_for(actor=request.user, period_id=pk)
    if period is None:
        raise Http404
    unit_raw, top_class = request.GET.get("unit", ""), request.GET.get("top_class", "")
    entries = selectors.entry_list(
        actor=request.user,
        period=period,
        unit_id=id_param(unit_raw),
        top_class=top_class if len(top_class) == 3 else "",
    )
    rows = (
        (
            period.label,
            no,
            name,
            unit,
            code,
            cat,
            "年限平均法" if method == "straight_line" else "工作量法",
            workload,
            cost,
            amount,
            acc,
            cost - acc,
        )
        for no, name, unit, code, cat, method, workload, cost, amount, acc in entries.values_list(
            "asset__asset_no",
            "asset__name",
            "unit__name",
            "category__code",
            "category__name",
            "method",
            "workload",
            "original_value_fen",
            "amount_fen",
            "accumulated_after_fen",
        ).iterator(chunk_size=5000)
    )
    columns = [
        Column("会计期间", "text", 10),
        Column("资产编号", "text", 20),
        Column("资产名称", "text", 20),
        Column("计提单位", "text", 22),
        Column("分类代码", "text", 12),
        Column("资产分类", "text", 14),
        Column("折旧方法", "text", 12),
        Column("本期工作量", "int"),
        Column("原值", "money_fen"),
        Column("本期折旧", "money_fen"),
        Column("累计折旧", "money_fen"),
        Column("净值", "money_fen"),
    ]
    return xlsx_response(
        filename=f"折旧明细_{period.label}.xlsx",
        sheet_title=f"折旧明细 {period.label}",
        columns=columns,
        rows=rows,
        preamble=[f"折旧明细表 · {period.region.name} · {period.label}"],
    )


@login_required
@require_POST
def period_close(request: AuthedRequest, pk: int) -> HttpResponse:
    period = selectors.period_for(actor=request.user, period_id=pk)
    if period is None or not services.is_finance_of(request.user, period.region_id):
        raise Http404
    try:
        services.period_close(actor=request.user, period_id=period.pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("会计期间 %(p)s 已结账") % {"p": period.label})
    return redirect("accounting:period", pk=period.pk)


@login_required
@require_POST
def period_reopen(request: AuthedRequest, pk: int) -> HttpResponse:
    period = selectors.period_for(actor=request.user, period_id=pk)
    if period is None or not services.is_finance_of(request.user, period.region_id):
        raise Http404
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.period_reopen(
                actor=request.user, period_id=period.pk, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("会计期间 %(p)s 已反结账") % {"p": period.label})
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("accounting:period", pk=period.pk)


def _summary(request: AuthedRequest):  # type: ignore[no-untyped-def]
    region = _region_or_404(request)
    scope = scope_for(request.user)
    whole = selectors.reads_whole_region(scope, region.pk)
    units = scope.readable_units().filter(region=region).order_by("tree_path")
    bound = any(request.GET.get(key) for key in ("unit", "subtree", "month"))
    form = SummaryForm(request.GET if bound else None, units=units, whole_region=whole)
    unit = subtree = month = None
    if bound and form.is_valid():
        unit, subtree, month = (
            form.cleaned_data["unit"],
            form.cleaned_data["subtree"],
            form.cleaned_data["month"],
        )
    elif bound and request.GET.get("unit") and "unit" in form.errors:
        raise Http404  # a unit outside the actor's scope does not exist for them
    if unit is None and not whole:
        unit = units.first()  # a unit-level reader's own unit
    if unit is None and not whole:
        raise Http404
    try:
        unit_ids = selectors.summary_units(
            actor=request.user, region=region, unit=unit, subtree=bool(subtree)
        )
    except PermissionError as exc:
        raise Http404 from exc
    period = None
    if month is not None:
        period = Period.objects.filter(region=region, month=month).first()
    else:
        period = (
            Period.objects.filter(region=region, is_opening=False)
            .exclude(status=PeriodStatus.OPEN)
            .order_by("-month")
            .first()
        )
    suffix = _("（含下级单位）") if subtree else ""
    title = region.name if unit is None else f"{unit.name}{suffix}"
    summary = selectors.value_summary(region=region, unit_ids=unit_ids, title=title, period=period)
    return region, form, summary


@login_required
def summary(request: AuthedRequest) -> HttpResponse:
    region, form, data = _summary(request)
    return render(
        request,
        "accounting/summary.html",
        {"region": region, "form": form, "summary": data, "query_string": request.GET.urlencode()},
    )


@login_required
def summary_export(request: AuthedRequest) -> HttpResponse:
    _region, _form, data = _summary(request)
    period_label = data.period.label if data.period else "—"
    rows = [
        (r.code, r.name, r.cards, r.original_fen, r.accumulated_fen, r.net_fen, r.period_fen)
        for r in [*data.rows, data.total]
    ]
    columns = [
        Column("分类代码", "text", 10),
        Column("资产大类", "text", 16),
        Column("卡片数", "int"),
        Column("原值", "money_fen", 18),
        Column("累计折旧", "money_fen", 18),
        Column("净值", "money_fen", 18),
        Column(f"本期折旧（{period_label}）", "money_fen", 18),
    ]
    return xlsx_response(
        filename=f"资产价值量情况表_{data.title}.xlsx",
        sheet_title="资产价值量情况表",
        columns=columns,
        rows=rows,
        preamble=[f"资产价值量情况表 · {data.title}", f"本期：{period_label}（不含已处置资产）"],
    )


def _readable_card(request: AuthedRequest, pk: int):  # type: ignore[no-untyped-def]
    return get_object_or_404(asset_detail_queryset(actor=request.user), pk=pk)


@login_required
def card_schedule(request: AuthedRequest, pk: int) -> HttpResponse:
    asset = _readable_card(request, pk)
    schedule = selectors.card_schedule(asset=asset)
    return render(
        request,
        "accounting/card_schedule.html",
        {
            "asset": asset,
            "schedule": schedule,
            "can_write": scope_for(request.user).can_write(asset.owner_unit_id),
        },
    )


@login_required
def card_schedule_export(request: AuthedRequest, pk: int) -> HttpResponse:
    asset = _readable_card(request, pk)
    schedule = selectors.card_schedule(asset=asset)
    rows: list[tuple] = []
    if schedule.opening_months or schedule.opening_accumulated_fen:
        rows.append(
            (
                "期初",
                "期初余额",
                None,
                schedule.opening_accumulated_fen,
                asset.book.original_value_fen - schedule.opening_accumulated_fen,
            )
        )
    rows += [
        (e.period.label, "已计提", e.amount_fen, e.accumulated_after_fen, e.net_after_fen)
        for e in schedule.past
    ]
    rows += [(r.period, "预计", r.amount_fen, r.accumulated_fen, r.net_fen) for r in schedule.projection]
    columns = [
        Column("会计期间", "text", 10),
        Column("类型", "text", 10),
        Column("本期折旧", "money_fen"),
        Column("累计折旧", "money_fen"),
        Column("净值", "money_fen"),
    ]
    return xlsx_response(
        filename=f"折旧计划_{asset.asset_no}.xlsx",
        sheet_title="折旧计划",
        columns=columns,
        rows=rows,
        preamble=[
            f"{asset.asset_no} {asset.name}",
            f"原值 {format_yuan(asset.book.original_value_fen)}，"
            f"使用年限 {asset.useful_life_months or '—'} 个月",
        ],
    )


@login_required
def calculator(request: AuthedRequest) -> HttpResponse:
    """折旧计算器: the same rules as the posting, for checking by hand; touches no data."""
    form = CalculatorForm(request.GET or None)
    rows = None
    if request.GET and form.is_valid():
        data = form.cleaned_data
        rows = schedule_from_yuan(
            cost=data["cost"], life_months=data["life_months"], added=data["added"], left=data["left"]
        )
    context = {
        "form": form,
        "rows": rows,
        "total_fen": sum(r.amount_fen for r in rows) if rows else 0,
        "cost_fen": yuan_to_fen(form.cleaned_data["cost"]) if rows is not None else 0,
    }
    fragment = wants_fragment(request)
    template = "accounting/_calculator_result.html" if fragment else "accounting/calculator.html"
    return vary_on_htmx(render(request, template, context))


@login_required
@require_http_methods(["GET", "POST"])
def card_workload(request: AuthedRequest, pk: int) -> HttpResponse:
    """工作量法: a units-of-production card's expected total work and its monthly work."""
    asset = get_object_or_404(asset_queryset(actor=request.user).select_related("book"), pk=pk)
    if not scope_for(request.user).can_write(asset.owner_unit_id):
        raise Http404
    plan_form = WorkloadPlanForm(request.POST if request.POST.get("form") == "plan" else None)
    reading_form = WorkloadReadingForm(request.POST if request.POST.get("form") == "reading" else None)
    if request.method == "POST":
        form = plan_form if request.POST.get("form") == "plan" else reading_form
        if form.is_valid():
            try:
                if form is plan_form:
                    services.workload_plan_set(
                        actor=request.user,
                        asset_id=asset.pk,
                        total_workload=form.cleaned_data["total_workload"],
                        workload_unit=form.cleaned_data["workload_unit"],
                    )
                    messages.success(request, _("预计总工作量已保存"))
                else:
                    services.workload_record(
                        actor=request.user,
                        asset_id=asset.pk,
                        month=form.cleaned_data["month"],
                        workload=form.cleaned_data["workload"],
                    )
                    messages.success(
                        request, _("%(m)s 的工作量已保存") % {"m": month_label(form.cleaned_data["month"])}
                    )
            except AssetNotWritable as exc:
                raise Http404 from exc
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errs in exc.message_dict.items():
                        for message in errs:
                            form.add_error(field if field in form.fields else None, message)
                else:
                    for message in exc.messages:
                        form.add_error(None, message)
            else:
                return redirect("accounting:card_workload", pk=asset.pk)
    schedule = selectors.card_schedule(asset=asset)
    return render(
        request,
        "accounting/card_workload.html",
        {
            "asset": asset,
            "schedule": schedule,
            "plan_form": plan_form,
            "reading_form": reading_form,
        },
    )
