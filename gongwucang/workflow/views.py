"""Order screens: inbox (待办), done list (已办), all orders, the order page with its actions, the
print view, attachments and notifications. Thin: selectors to read, services to write. An order
outside the user's scope is a 404; an action the user may not take is a message, nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongwucang.core.http import id_param
from gongwucang.core.memo import memo_on
from gongwucang.spreadsheets.export import xlsx_response

from . import exports, selectors, services, ui
from .domain.statuses import EDITABLE_STATUSES, OrderStatus, OrderType
from .exceptions import ActionNotAllowed, OrderNotFound
from .forms import AttachmentForm
from .models import Notification, OrderAttachment
from .registry import handler_for


def _order_or_404(request: HttpRequest, pk: int):  # type: ignore[no-untyped-def]
    try:
        return selectors.order_get(actor=request.user, pk=pk)
    except OrderNotFound as exc:
        raise Http404 from exc


def service_errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


INBOX_LIMIT = 200  # items of each kind the inbox lists


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    approvals = list(selectors.pending_approvals(actor=request.user)[:INBOX_LIMIT])
    work = [(o, selectors.work_label(o)) for o in selectors.work_orders(actor=request.user)[:INBOX_LIMIT]]
    drafts = list(selectors.draft_orders(actor=request.user)[:50])
    if len(approvals) < INBOX_LIMIT and len(work) < INBOX_LIMIT:  # every waiting item: the badge's count
        memo_on(request.user, ui.INBOX_COUNT_MEMO, lambda: len(approvals) + len(work))
    return render(request, "workflow/inbox.html", {"approvals": approvals, "work": work, "drafts": drafts})


@login_required
def done(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.done_orders(actor=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "workflow/done.html", {"page": page})


def _order_filters(request: HttpRequest) -> tuple[str, str, str]:
    """The order list's filters from the query string (type, status, text); unknown values are ignored."""
    order_type = request.GET.get("type", "") if request.GET.get("type") in OrderType.values else ""
    status = request.GET.get("status", "") if request.GET.get("status") in OrderStatus.values else ""
    return order_type, status, request.GET.get("q", "")[:50]


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    order_type, status, query = _order_filters(request)
    qs = selectors.order_list(actor=request.user, order_type=order_type, status=status, query=query)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "workflow/order_list.html",
        {
            "page": page,
            "types": OrderType.choices,
            "statuses": OrderStatus.choices,
            "type": order_type,
            "status": status,
            "q": query,
            "query_string": request.GET.urlencode(),
        },
    )


@login_required
def order_list_export(request: HttpRequest) -> HttpResponse:
    """单据清单: the order list as shown (same filters, same scope, newest first)."""
    order_type, status, query = _order_filters(request)
    qs = selectors.order_list(actor=request.user, order_type=order_type, status=status, query=query)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(
        filename=f"单据清单-{stamp}.xlsx",
        sheet_title="单据清单",
        columns=exports.ORDER_COLUMNS,
        rows=exports.order_rows(qs),
        max_rows=settings.SPREADSHEET_EXPORT_MAX_ROWS,
    )


def order_context(request: HttpRequest, order) -> dict:  # type: ignore[no-untyped-def]
    user = request.user
    handler = handler_for(order.order_type)
    approval = services.current_approval(order)
    can_edit = order.status in EDITABLE_STATUSES and services.holds(
        user, "asset_clerk", order.applicant_unit_id
    )
    lines = list(
        order.lines.select_related("asset__category", "asset__owner_unit", "handled_by").prefetch_related(
            "attachments"
        )
    )
    return {
        "order": order,
        "lines": lines,
        "attachments": [a for a in order.attachments.select_related("uploaded_by", "line__asset")],
        "trail": selectors.approval_trail(order),
        "current": approval,
        "history": selectors.order_history(order),
        "comments": order.comments.select_related("author"),
        "can_decide": services.can_decide(user, order, approval),
        "can_submit": can_edit and (bool(lines) or handler.lines_optional),
        "can_edit": can_edit,
        "edit_url": handler.edit_url(order) if can_edit else "",
        "can_cancel": services.can_cancel(user, order),
        "can_comment": services.can_comment(user, order),
        "can_attach": services.can_attach(user, order),
        "type_actions": handler.actions(order, user),
        "detail_template": handler.detail_template,
        "attachment_form": AttachmentForm(),
        **handler.detail_context(order, user),
    }


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order_or_404(request, pk)
    return render(request, "workflow/order_detail.html", order_context(request, order))


@login_required
def order_print(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order_or_404(request, pk)
    return render(request, "workflow/order_print.html", order_context(request, order))


def _act(request: HttpRequest, pk: int, call: Callable[..., object], done_message: str) -> HttpResponse:
    order = _order_or_404(request, pk)
    try:
        call(actor=request.user, order_id=order.pk, comment=request.POST.get("comment", ""))
    except OrderNotFound as exc:
        raise Http404 from exc
    except ActionNotAllowed as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        service_errors(request, exc)
    else:
        messages.success(request, done_message % {"no": order.order_no})
    return redirect("workflow:order_detail", pk=order.pk)


@login_required
@require_POST
def order_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.order_submit, _("单据 %(no)s 已提交审批"))


@login_required
@require_POST
def order_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.order_approve, _("已同意单据 %(no)s"))


@login_required
@require_POST
def order_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.order_reject, _("已驳回单据 %(no)s"))


@login_required
@require_POST
def order_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.order_return, _("已将单据 %(no)s 退回修改"))


@login_required
@require_POST
def order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.order_cancel, _("单据 %(no)s 已撤销"))


@login_required
@require_POST
def order_comment(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order_or_404(request, pk)
    try:
        services.order_comment_add(actor=request.user, order_id=order.pk, text=request.POST.get("text", ""))
    except ActionNotAllowed as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        service_errors(request, exc)
    else:
        messages.success(request, _("已在单据 %(no)s 上发表意见") % {"no": order.order_no})
    return redirect("workflow:order_detail", pk=order.pk)


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order_or_404(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("workflow:order_detail", pk=order.pk)
    try:
        attachment = services.order_attach_file(
            actor=request.user,
            order_id=order.pk,
            kind=form.cleaned_data["kind"],
            uploaded=form.cleaned_data["file"],
        )
    except ActionNotAllowed as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        service_errors(request, exc)
    else:
        messages.success(
            request,
            _("附件 %(name)s 已上传到单据 %(no)s") % {"name": attachment.original_name, "no": order.order_no},
        )
    return redirect("workflow:order_detail", pk=order.pk)


@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    """Files are served only through here, after the order's scope check."""
    order = _order_or_404(request, pk)
    attachment = get_object_or_404(OrderAttachment, pk=attachment_id, order=order)
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=not attachment.is_image,
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_for(actor=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "workflow/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark the user's notifications read (all, or the one given), then follow its link."""
    qs = Notification.objects.filter(recipient=request.user, read_at__isnull=True)
    wanted = request.POST.get("notification", "")
    target = None
    if wanted:
        note = Notification.objects.filter(recipient=request.user, pk=id_param(wanted) or 0).first()
        if note is None:
            raise Http404
        qs = qs.filter(pk=note.pk)
        target = note.url
    qs.update(read_at=timezone.now())
    if target and target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("workflow:notifications")
