"""Import and export screens. Thin: parse, call a service or selector, render. Another unit's
import is a 404; exports only ever contain what the user's scope shows."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gongwucang.assets.exceptions import AssetNotWritable
from gongwucang.assets.forms import AssetFilterForm
from gongwucang.assets.ledger import LedgerWording
from gongwucang.assets.models import Asset, AssetEvent
from gongwucang.assets.selectors import AssetFilters, asset_list
from gongwucang.core.http import id_param

from . import selectors, services
from .export import xlsx_response
from .forms import CommitForm, UploadForm
from .models import ImportStatus
from .workbooks import (
    LEDGER_EVENT_COLUMNS,
    asset_export_rows,
    error_workbook,
    ledger_export_columns,
    ledger_export_rows,
    template_workbook,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FINAL = {
    ImportStatus.VALIDATED,
    ImportStatus.REFUSED,
    ImportStatus.COMMITTED,
    ImportStatus.FAILED,
    ImportStatus.INTERRUPTED,
    ImportStatus.CANCELLED,
}


def _attachment(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    units = selectors.importable_units(actor=request.user)
    form = UploadForm(request.POST or None, request.FILES or None, actor=request.user)
    if request.method == "POST":
        if not units.exists():
            raise Http404
        if form.is_valid():
            try:
                job = services.asset_import_upload(
                    actor=request.user, unit=form.cleaned_data["unit"], uploaded=form.cleaned_data["file"]
                )
            except AssetNotWritable as exc:
                raise Http404 from exc
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("file", message)
            else:
                services.asset_import_request_check(job=job)
                return redirect("spreadsheets:import_detail", pk=job.pk)
    imports = selectors.import_queryset(actor=request.user)[:50]
    return render(
        request,
        "spreadsheets/import_list.html",
        {
            "form": form,
            "imports": imports,
            "can_import": units.exists(),
            "max_mb": settings.SPREADSHEET_IMPORT_MAX_BYTES // 1048576,
            "max_rows": f"{settings.SPREADSHEET_IMPORT_MAX_ROWS:,}",
        },
    )


@login_required
def template_download(request: HttpRequest) -> HttpResponse:
    units = list(selectors.importable_units(actor=request.user)) or list(
        selectors.scope_for(request.user).readable_units()[:20]
    )
    return _attachment(template_workbook(units=units), "资产卡片导入模板.xlsx")


def _job(request: HttpRequest, pk: int):  # type: ignore[no-untyped-def]
    services.asset_imports_recover_stale()
    return selectors.live_progress(get_object_or_404(selectors.import_queryset(actor=request.user), pk=pk))


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    words = LedgerWording()  # as the card's timeline will word the same change
    changes = [
        {
            "row": c["row"],
            "asset_no": c["asset_no"],
            "asset_id": c.get("asset_id"),
            "fields": [
                (words.label(k), words.value(k, c["before"].get(k)), words.value(k, c["after"].get(k)))
                for k in c["after"]
            ],
        }
        for c in job.changes[:50]
    ]
    can_write = selectors.scope_for(request.user).can_write(job.unit_id)
    return render(
        request,
        "spreadsheets/import_detail.html",
        {
            "job": job,
            "errors": job.errors[:200],
            "changes": changes,
            "can_write": can_write,
            "commit_form": CommitForm(),
            "final": job.status in FINAL,
        },
    )


@login_required
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    response = render(request, "spreadsheets/_progress.html", {"job": job})
    if job.status in FINAL:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    form = CommitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择导入方式"))
        return redirect("spreadsheets:import_detail", pk=job.pk)
    try:
        services.asset_import_request_commit(
            actor=request.user, import_id=job.pk, mode=form.cleaned_data["mode"]
        )
    except AssetNotWritable as exc:
        raise Http404 from exc
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("spreadsheets:import_detail", pk=job.pk)


@login_required
@require_POST
def import_recheck(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    if not selectors.scope_for(request.user).can_write(job.unit_id):
        raise Http404
    if job.status in (ImportStatus.VALIDATED, ImportStatus.FAILED, ImportStatus.INTERRUPTED):
        services.asset_import_request_check(job=job)
    return redirect("spreadsheets:import_detail", pk=job.pk)


@login_required
def import_errors_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    if not job.errors:
        raise Http404
    data = error_workbook(
        path=job.file.path,
        filename=job.original_name,
        limits=services.read_limits(),
        errors=job.errors,
        rows_total=job.rows_total,
    )
    stem = job.original_name.rsplit(".", 1)[0]
    return _attachment(data, f"{stem}（标出错误）.xlsx")


@login_required
def asset_export(request: HttpRequest) -> HttpResponse:
    """The asset list as shown (same filters, same scope), streamed."""
    form = AssetFilterForm(request.GET or None, actor=request.user)
    filters = form.to_filters() if request.GET else AssetFilters()
    qs = asset_list(actor=request.user, filters=filters)
    limit = settings.SPREADSHEET_EXPORT_MAX_ROWS
    count = qs.count()
    if count > limit:
        messages.error(
            request,
            _("要导出的资产有 %(n)s 项，超过单个文件的上限 %(limit)s 项，请缩小筛选范围")
            % {"n": f"{count:,}", "limit": f"{limit:,}"},
        )
        return redirect(f"{request.build_absolute_uri('/assets/')}?{request.GET.urlencode()}")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(
        filename=f"资产卡片-{stamp}.xlsx",
        sheet_title="资产卡片",
        columns=ledger_export_columns(),
        rows=asset_export_rows(qs),
        max_rows=limit,
    )


@login_required
def ledger_export(request: HttpRequest) -> HttpResponse:
    """The ledger (资产变动记录) of the cards the user may see, optionally for a date range."""
    scope_q = selectors.visible_q(request.user)
    visible = Asset.objects.filter(scope_q).values("pk")
    qs = AssetEvent.objects.filter(asset_id__in=visible)
    start, end = request.GET.get("from", ""), request.GET.get("to", "")
    try:
        if start:
            qs = qs.filter(occurred_at__date__gte=start)
        if end:
            qs = qs.filter(occurred_at__date__lte=end)
        if request.GET.get("asset"):  # one card's ledger (its page's 导出变动记录); not an id: none
            qs = qs.filter(asset_id=id_param(request.GET["asset"]) or 0)
        count = qs.count()
    except ValidationError:
        messages.error(request, _("日期格式有误，请写作 2026-03-01"))
        return redirect("home")
    limit = settings.SPREADSHEET_EXPORT_MAX_ROWS
    if count > limit:
        messages.error(request, _("变动记录超过 %(limit)s 条，请缩小日期范围") % {"limit": f"{limit:,}"})
        return redirect("home")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(
        filename=f"资产变动记录-{stamp}.xlsx",
        sheet_title="资产变动记录",
        columns=LEDGER_EVENT_COLUMNS,
        rows=ledger_export_rows(qs.order_by("occurred_at", "id")),
        max_rows=limit,
    )
