"""Warehouse screens: the catalogue and its basket, intake (file, edit, receive, receipt), allocation
(category request, edit, dispatch, sign, handover form), loans (edit, lend, return, extend,
overdue list), the keepers' stock and the warehouses; the catalogue, stock and loan lists also as
Excel (exports.py). Thin: selectors read, services write.

An order outside the user's scope is a 404; a step the user may not take now sends them back to
the order page with the reason, nothing changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gongwucang.assets.domain.choices import AssetStatus, Condition
from gongwucang.assets.models import Asset, AssetAttachment, Category
from gongwucang.core.dates import local_today
from gongwucang.core.http import id_list, id_param
from gongwucang.org.domain.roles import Role
from gongwucang.org.scoping import scope_for
from gongwucang.spreadsheets.export import xlsx_response
from gongwucang.workflow import selectors as wf_selectors
from gongwucang.workflow import services as wf
from gongwucang.workflow.domain.statuses import EDITABLE_STATUSES, OrderStatus, OrderType
from gongwucang.workflow.exceptions import ActionNotAllowed, OrderNotFound
from gongwucang.workflow.files import atomic_with_files
from gongwucang.workflow.models import LineOutcome, Order, OrderAttachment, OrderAttachmentKind
from gongwucang.workflow.views import order_context, service_errors

from . import exports, selectors, services
from .domain.choices import AllocationMode, PoolItemStatus
from .domain.loans import days_overdue
from .forms import (
    AcknowledgeForm,
    CatalogueFilterForm,
    CategoryRequestForm,
    CheckoutForm,
    ExtensionForm,
    IntakeForm,
    PurposeForm,
    ReasonForm,
    default_due_on,
)
from .models import AllocationOrder, IntakeOrder, LoanOrder, PoolItem

BASKET = "gwc_basket"


def _order(request: HttpRequest, pk: int, order_type: str) -> Order:
    try:
        order = wf_selectors.order_get(actor=request.user, pk=pk)
    except OrderNotFound as exc:
        raise Http404 from exc
    if order.order_type != order_type:
        raise Http404
    return order


def _back(order: Order) -> HttpResponse:
    return redirect("workflow:order_detail", pk=order.pk)


def _refuse(request: HttpRequest, order: Order, message: str) -> HttpResponse:
    messages.error(request, message)
    return _back(order)


def _run(request: HttpRequest, order: Order, call: Callable[[], object], success: str) -> HttpResponse | None:
    """Call a service; on success a message naming the order and back to it, else None (re-render)."""
    try:
        call()
    except OrderNotFound as exc:
        raise Http404 from exc
    except ActionNotAllowed as exc:
        return _refuse(request, order, str(exc))
    except ValidationError as exc:
        service_errors(request, exc)
        return None
    messages.success(request, success % {"no": order.order_no})
    return _back(order)


def _is_clerk(request: HttpRequest) -> bool:
    return bool(wf.units_with_role(request.user, Role.ASSET_CLERK))


# --- catalogue and basket ------------------------------------------------------------------


def _basket(request: HttpRequest) -> list[int]:
    return id_list(request.session.get(BASKET, []))


def _catalogue_filters(request: HttpRequest) -> tuple[CatalogueFilterForm, selectors.CatalogueFilters]:
    """The catalogue's filter form and the filters it gives (none while it is empty or invalid)."""
    form = CatalogueFilterForm(
        request.GET or None,
        categories=selectors.category_choices_in_pool(actor=request.user),
        warehouses=list(selectors.warehouses(actor=request.user)),
    )
    filters = selectors.CatalogueFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.CatalogueFilters(
            query=data["q"],
            category_id=int(data["category"]) if data["category"] else None,
            condition=data["condition"],
            warehouse_id=int(data["warehouse"]) if data["warehouse"] else None,
            kind=data["kind"],
            location=data["location"],
            available_only=data["available"],
        )
    return form, filters


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    form, filters = _catalogue_filters(request)
    page = Paginator(selectors.catalogue(actor=request.user, filters=filters), 24).get_page(
        request.GET.get("page")
    )
    selectors.with_photos(list(page.object_list))
    return render(
        request,
        "warehouse/catalogue.html",
        {
            "form": form,
            "page": page,
            "basket": set(_basket(request)),
            "can_request": _is_clerk(request),
            "query_string": request.GET.urlencode(),
        },
    )


@login_required
def catalogue_export(request: HttpRequest) -> HttpResponse:
    """公物仓目录: the catalogue as shown (same filters, the user's region), newest first."""
    _form, filters = _catalogue_filters(request)
    today = local_today()
    return xlsx_response(
        filename=f"公物仓目录-{today:%Y%m%d}.xlsx",
        sheet_title="公物仓目录",
        columns=exports.POOL_ITEM_COLUMNS,
        rows=exports.pool_item_rows(selectors.catalogue(actor=request.user, filters=filters)),
        preamble=[f"公物仓目录 · 截至 {today:%Y-%m-%d}"],
        max_rows=settings.SPREADSHEET_EXPORT_MAX_ROWS,
    )


@login_required
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.pool_item_get(actor=request.user, pk=pk)
    if item is None:
        raise Http404
    selectors.with_photos([item])
    scope = scope_for(request.user)
    line = selectors.open_order_line(item.asset_id)
    order_visible = (
        line is not None and Order.objects.filter(wf.visible_order_q(request.user), pk=line.order_id).exists()
    )
    return render(
        request,
        "warehouse/item_detail.html",
        {
            "item": item,
            "in_basket": item.pk in _basket(request),
            "can_request": _is_clerk(request),
            "can_withdraw": services.can_withdraw(request.user, item),
            "card_visible": scope.can_read(item.asset.owner_unit_id, item.asset.region_id),
            "open_order": line.order if order_visible else None,
            "checkout_form": CheckoutForm(initial={"due_on": default_due_on(), "submit_now": True}),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """撤回: the keeper (or, for a virtual listing, the owner's clerk) takes an item out of the pool."""
    item = selectors.pool_item_get(actor=request.user, pk=pk)
    if item is None:
        raise Http404
    back = redirect("warehouse:item_detail", pk=item.pk)
    if not services.can_withdraw(request.user, item):
        messages.error(request, _("您不能撤回该物品"))
        return back
    if item.status != PoolItemStatus.IN_STOCK or item.is_held:
        messages.error(request, _("该物品已借出或正在办理单据，不能撤回"))
        return back
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.pool_item_withdraw(
                actor=request.user, pool_item_id=item.pk, reason=form.cleaned_data["reason"]
            )
        except services.PoolItemNotFound as exc:
            raise Http404 from exc
        except ActionNotAllowed as exc:
            messages.error(request, str(exc))
            return back
        except ValidationError as exc:
            service_errors(request, exc)
        else:
            messages.success(request, _("%(no)s 已撤出公物仓") % {"no": item.asset.asset_no})
            if scope_for(request.user).can_read(item.asset.owner_unit_id, item.asset.region_id):
                return redirect("assets:detail", pk=item.asset_id)
            return redirect("warehouse:catalogue")
    return render(request, "warehouse/item_withdraw.html", {"item": item, "form": form})


@login_required
def item_photo(request: HttpRequest, pk: int, source: str, attachment_id: int) -> FileResponse:
    """A catalogue photo: served to anyone who may browse the catalogue, never from a public URL."""
    item = selectors.pool_item_get(actor=request.user, pk=pk)
    if item is None:
        raise Http404
    if source == "order" and item.intake_line_id:
        att: Any = OrderAttachment.objects.filter(
            pk=attachment_id, line_id=item.intake_line_id, content_type__startswith="image/"
        ).first()
    elif source == "asset":
        att = AssetAttachment.objects.filter(pk=attachment_id, asset_id=item.asset_id, kind="photo").first()
    else:
        att = None
    if att is None:
        raise Http404
    response = FileResponse(att.file.open("rb"), content_type=att.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def basket_add(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("item", "")
    pk = id_param(raw)
    item = selectors.pool_item_get(actor=request.user, pk=pk) if pk else None
    if item is None or not item.is_active:
        raise Http404
    basket = _basket(request)
    if item.pk not in basket:
        basket.append(item.pk)
    request.session[BASKET] = basket
    messages.success(
        request, _("已将 %(no)s %(name)s 加入申领篮") % {"no": item.asset.asset_no, "name": item.asset.name}
    )
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "warehouse:basket")


@login_required
@require_POST
def basket_remove(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("item", "")
    request.session[BASKET] = [i for i in _basket(request) if str(i) != raw]
    return redirect("warehouse:basket")


@login_required
@require_http_methods(["GET", "POST"])
def basket(request: HttpRequest) -> HttpResponse:
    """The basket and its checkout: an allocation (调剂申领) or a loan, one order per warehouse."""
    ids = _basket(request)
    items = list(
        selectors.pool_items(actor=request.user)
        .filter(pk__in=ids)
        .select_related("asset__category", "asset__book", "warehouse", "bin")
    )
    form = CheckoutForm(request.POST or None, initial={"due_on": default_due_on(), "submit_now": True})
    if request.method == "POST":
        if not _is_clerk(request):
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["mode"] == "loan":
                    orders = services.loan_request(
                        actor=request.user,
                        pool_item_ids=[i.pk for i in items],
                        purpose=data["purpose"],
                        due_on=data["due_on"],
                        submit=data["submit_now"],
                    )
                else:
                    orders = services.allocation_request(
                        actor=request.user,
                        pool_item_ids=[i.pk for i in items],
                        purpose=data["purpose"],
                        submit=data["submit_now"],
                    )
            except ActionNotAllowed as exc:
                messages.error(request, str(exc))
            except ValidationError as exc:
                service_errors(request, exc)
            else:
                request.session[BASKET] = []
                numbers = "、".join(o.order_no for o in orders)
                verb = _("已提交审批") if data["submit_now"] else _("已保存为草稿")
                messages.success(request, _("申请单 %(nos)s %(verb)s") % {"nos": numbers, "verb": verb})
                return redirect("workflow:order_detail", pk=orders[0].pk)
    return render(
        request, "warehouse/basket.html", {"items": items, "form": form, "can_request": _is_clerk(request)}
    )


@login_required
@require_POST
def item_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Request one catalogue item at once (allocation or loan) from its page."""
    item = selectors.pool_item_get(actor=request.user, pk=pk)
    if item is None:
        raise Http404
    form = CheckoutForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("warehouse:item_detail", pk=pk)
    data = form.cleaned_data
    try:
        if data["mode"] == "loan":
            orders = services.loan_request(
                actor=request.user,
                pool_item_ids=[item.pk],
                purpose=data["purpose"],
                due_on=data["due_on"],
                submit=data["submit_now"],
            )
        else:
            orders = services.allocation_request(
                actor=request.user,
                pool_item_ids=[item.pk],
                purpose=data["purpose"],
                submit=data["submit_now"],
            )
    except ActionNotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("warehouse:item_detail", pk=pk)
    except ValidationError as exc:
        service_errors(request, exc)
        return redirect("warehouse:item_detail", pk=pk)
    messages.success(request, _("申请单 %(no)s 已提交") % {"no": orders[0].order_no})
    return redirect("workflow:order_detail", pk=orders[0].pk)


# --- intake --------------------------------------------------------------------------------


def _intake_candidates(request: HttpRequest, unit_ids: set[int], query: str = "") -> list[Asset]:
    from gongwucang.assets.selectors import apply_search

    qs = Asset.objects.filter(
        owner_unit_id__in=sorted(unit_ids), status__in=[AssetStatus.IDLE, AssetStatus.IN_USE]
    )
    qs = qs.exclude(pool_items__status__in=[PoolItemStatus.IN_STOCK, PoolItemStatus.ON_LOAN])
    qs = qs.exclude(order_lines__is_open=True)
    if query:
        qs = apply_search(qs, query)
    # Idle cards first: they are what the pool is for.
    return list(qs.select_related("book", "category").order_by("-status", "-id")[:200])


def _selected_ids(request: HttpRequest) -> list[int]:
    return id_list(request.POST.getlist("asset") or request.GET.getlist("asset"))


def _attach_documents(request: HttpRequest, order: Order, form: IntakeForm) -> None:
    for uploaded in form.cleaned_data.get("documents") or []:
        wf.order_attach_file(
            actor=request.user,
            order_id=order.pk,
            kind=form.cleaned_data.get("document_kind") or OrderAttachmentKind.OTHER,
            uploaded=uploaded,
        )


def _intake_errors(form: IntakeForm, exc: ValidationError) -> list[str]:
    """A service's refusal on the intake form: a form field's error on that field, the cards' errors
    (key "assets") returned to be shown under the list of cards, anything else as a non-field error."""
    asset_errors: list[str] = []
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return asset_errors
    for field, errors in exc.message_dict.items():
        for message in errors:
            if field == "assets":
                asset_errors.append(message)
            else:
                form.add_error(field if field in form.fields else None, message)
    return asset_errors


@login_required
@require_http_methods(["GET", "POST"])
def intake_create(request: HttpRequest) -> HttpResponse:
    """File an intake: pick the unit's idle or in-use cards (or arrive from the asset list's bulk
    action with them selected), tag the source, attach documents, save or submit."""
    unit_ids = wf.units_with_role(request.user, Role.ASSET_CLERK)
    if not unit_ids:
        raise Http404
    warehouses = list(selectors.warehouses(actor=request.user))
    selected = _selected_ids(request)
    from_list = request.method == "POST" and "step" not in request.POST  # the asset list's bulk action
    form = IntakeForm(
        request.POST if request.method == "POST" and not from_list else None,
        request.FILES or None,
        warehouses=warehouses,
    )
    asset_errors: list[str] = []
    if request.method == "POST" and not from_list and form.is_valid():
        data = form.cleaned_data
        try:
            with atomic_with_files():
                order = services.intake_create(
                    actor=request.user,
                    warehouse_id=int(data["warehouse"]),
                    source=data["source"],
                    source_note=data["source_note"],
                    title=data["title"],
                    asset_ids=selected,
                )
                _attach_documents(request, order, form)
                if request.POST.get("step") == "submit":
                    wf.order_submit(actor=request.user, order_id=order.pk)
        except ActionNotAllowed as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            asset_errors = _intake_errors(form, exc)
        else:
            submitted = request.POST.get("step") == "submit"
            messages.success(
                request,
                (_("入仓申请 %(no)s 已提交审批") if submitted else _("入仓申请 %(no)s 已保存为草稿"))
                % {"no": order.order_no},
            )
            return redirect("workflow:order_detail", pk=order.pk)
    query = request.GET.get("q", "")[:50]
    candidates = _intake_candidates(request, unit_ids, query)
    chosen = set(selected)
    extra = [
        a
        for a in Asset.objects.filter(pk__in=chosen, owner_unit_id__in=unit_ids).select_related(
            "book", "category"
        )
        if a.pk not in {c.pk for c in candidates}
    ]
    return render(
        request,
        "warehouse/intake_form.html",
        {
            "form": form,
            "candidates": extra + candidates,
            "chosen": chosen,
            "query": query,
            "order": None,
            "asset_errors": asset_errors,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def intake_edit(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk, OrderType.INTAKE)
    if order.status not in EDITABLE_STATUSES or not wf.holds(
        request.user, Role.ASSET_CLERK, order.applicant_unit_id
    ):
        return _refuse(request, order, _("该单据现在不能修改"))
    intake = IntakeOrder.objects.get(order=order)
    warehouses = list(selectors.warehouses(actor=request.user))
    initial = {
        "warehouse": str(intake.warehouse_id),
        "source": intake.source,
        "source_note": intake.source_note,
        "title": order.title,
    }
    form = IntakeForm(request.POST or None, request.FILES or None, warehouses=warehouses, initial=initial)
    current = set(order.lines.values_list("asset_id", flat=True))
    selected = _selected_ids(request) if request.method == "POST" else sorted(current)
    asset_errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        submitted = request.POST.get("step") == "submit"
        try:
            with atomic_with_files():
                services.intake_update(
                    actor=request.user,
                    order_id=order.pk,
                    warehouse_id=int(data["warehouse"]),
                    source=data["source"],
                    source_note=data["source_note"],
                    title=data["title"],
                    asset_ids=selected,
                )
                _attach_documents(request, order, form)
                if submitted:
                    wf.order_submit(actor=request.user, order_id=order.pk)
        except OrderNotFound as exc:
            raise Http404 from exc
        except ActionNotAllowed as exc:
            return _refuse(request, order, str(exc))
        except ValidationError as exc:
            asset_errors = _intake_errors(form, exc)
        else:
            messages.success(
                request,
                (_("入仓申请 %(no)s 已提交审批") if submitted else _("入仓申请 %(no)s 已保存"))
                % {"no": order.order_no},
            )
            return _back(order)
    units = {order.applicant_unit_id}
    candidates = _intake_candidates(request, units)
    in_order = list(Asset.objects.filter(pk__in=current).select_related("book", "category"))
    return render(
        request,
        "warehouse/intake_form.html",
        {
            "form": form,
            "candidates": in_order + [c for c in candidates if c.pk not in current],
            "chosen": set(selected),
            "order": order,
            "query": "",
            "asset_errors": asset_errors,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def intake_receive(request: HttpRequest, pk: int) -> HttpResponse:
    """The keeper's receipt (验收): for each line accept or refuse, condition, bin, photo."""
    order = _order(request, pk, OrderType.INTAKE)
    if not wf.holds(request.user, Role.KEEPER, order.handling_unit_id):
        return _refuse(request, order, _("只有该公物仓的仓管员可以验收入仓"))
    if order.status not in (OrderStatus.APPROVED, OrderStatus.EXECUTING):
        return _refuse(
            request, order, _("单据当前状态为「%(s)s」，不能验收") % {"s": order.get_status_display()}
        )
    intake = IntakeOrder.objects.select_related("warehouse").get(order=order)
    lines = list(
        order.lines.filter(outcome=LineOutcome.PENDING).select_related("asset__category", "asset__book")
    )
    if request.method == "POST":
        decisions = []
        for line in lines:
            choice = request.POST.get(f"decision_{line.pk}", "")
            if choice not in ("accept", "refuse"):
                continue
            bin_raw = request.POST.get(f"bin_{line.pk}", "")
            decisions.append(
                services.LineDecision(
                    line_id=line.pk,
                    accept=choice == "accept",
                    condition=request.POST.get(f"condition_{line.pk}", ""),
                    bin_id=id_param(bin_raw),
                    note=request.POST.get(f"note_{line.pk}", "")[:200],
                )
            )

        def call() -> None:
            with atomic_with_files():
                for line in lines:
                    for photo in request.FILES.getlist(f"photo_{line.pk}"):
                        wf.order_attach_file(
                            actor=request.user,
                            order_id=order.pk,
                            kind=OrderAttachmentKind.PHOTO,
                            uploaded=photo,
                            line_id=line.pk,
                        )
                services.intake_receive(
                    actor=request.user,
                    order_id=order.pk,
                    decisions=decisions,
                    comment=request.POST.get("comment", ""),
                )

        done = _run(request, order, call, _("入仓申请 %(no)s 已验收"))
        if done is not None:
            return done
    return render(
        request,
        "warehouse/intake_receive.html",
        {
            "order": order,
            "intake": intake,
            "lines": lines,
            "conditions": Condition.choices,
            "bins": list(selectors.bins_of(intake.warehouse)) if intake.warehouse.is_physical else [],
            "posted": request.POST,
        },
    )


@login_required
def intake_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """公物仓资产接收专用收据 — the accounting voucher of an intake, as an A4 print view."""
    order = _order(request, pk, OrderType.INTAKE)
    lines = list(
        order.lines.filter(outcome=LineOutcome.ACCEPTED).select_related("asset__category", "handled_by")
    )
    if not lines:
        return _refuse(request, order, _("尚无验收入仓的资产，不能出具收据"))
    intake = IntakeOrder.objects.select_related("warehouse__operating_unit").get(order=order)
    bins = {
        p.intake_line_id: p.bin for p in PoolItem.objects.filter(intake_line__in=lines).select_related("bin")
    }
    for line in lines:
        line.bin = bins.get(line.pk)  # type: ignore[attr-defined]
    received_at = max(line.handled_at for line in lines if line.handled_at)
    keeper = lines[-1].handled_by
    return render(
        request,
        "warehouse/intake_receipt.html",
        {
            "order": order,
            "intake": intake,
            "lines": lines,
            "received_at": received_at,
            "keeper": keeper,
            "total_original": sum(line.original_value_fen for line in lines),
            "total_accumulated": sum(line.accumulated_depreciation_fen for line in lines),
            "total_net": sum(line.net_value_fen for line in lines),
        },
    )


# --- allocation ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def allocation_create(request: HttpRequest) -> HttpResponse:
    """Request a category and a quantity (the keeper picks the items)."""
    if not _is_clerk(request):
        raise Http404
    warehouses = list(selectors.warehouses(actor=request.user))
    categories = list(Category.objects.filter(is_active=True).order_by("code"))
    form = CategoryRequestForm(request.POST or None, warehouses=warehouses, categories=categories)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = services.allocation_request_category(
                actor=request.user,
                warehouse_id=int(data["warehouse"]),
                category_id=int(data["category"]),
                quantity=data["quantity"],
                purpose=data["purpose"],
            )
        except ActionNotAllowed as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("申领单 %(no)s 已提交审批") % {"no": order.order_no})
            return redirect("workflow:order_detail", pk=order.pk)
    return render(request, "warehouse/allocation_create.html", {"form": form})


def _edit_purpose(
    request: HttpRequest,
    order: Order,
    detail: Any,
    template_title: str,
    call: Callable[[dict[str, Any], list[int]], object],
) -> HttpResponse:
    if order.status not in EDITABLE_STATUSES or not wf.holds(
        request.user, Role.ASSET_CLERK, order.applicant_unit_id
    ):
        return _refuse(request, order, _("该单据现在不能修改"))
    initial = {
        "purpose": detail.purpose,
        "quantity": getattr(detail, "quantity", None),
        "due_on": getattr(detail, "due_on", None),
    }
    form = PurposeForm(request.POST or None, initial=initial)
    lines = list(order.lines.select_related("asset__category", "asset__book"))
    if request.method == "POST" and form.is_valid():
        keep = id_list(request.POST.getlist("keep"))

        def run() -> None:
            with transaction.atomic():
                call(form.cleaned_data, keep)
                if request.POST.get("step") == "submit":
                    wf.order_submit(actor=request.user, order_id=order.pk)

        done = _run(
            request,
            order,
            run,
            _("单据 %(no)s 已提交审批") if request.POST.get("step") == "submit" else _("单据 %(no)s 已保存"),
        )
        if done is not None:
            return done
    return render(
        request,
        "warehouse/purpose_edit.html",
        {
            "order": order,
            "form": form,
            "lines": lines,
            "title": template_title,
            "show_quantity": getattr(detail, "mode", "") == AllocationMode.CATEGORY,
            "show_due_on": isinstance(detail, LoanOrder),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def allocation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk, OrderType.ALLOCATION)
    allocation = AllocationOrder.objects.get(order=order)
    return _edit_purpose(
        request,
        order,
        allocation,
        _("修改申领单"),
        lambda data, keep: services.allocation_update(
            actor=request.user,
            order_id=order.pk,
            purpose=data["purpose"],
            quantity=data.get("quantity"),
            keep_asset_ids=keep,
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def allocation_dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk, OrderType.ALLOCATION)
    if not wf.holds(request.user, Role.KEEPER, order.handling_unit_id):
        return _refuse(request, order, _("只有该公物仓的仓管员可以出仓"))
    if order.status != OrderStatus.APPROVED:
        return _refuse(
            request, order, _("单据当前状态为「%(s)s」，不能出仓") % {"s": order.get_status_display()}
        )
    allocation = AllocationOrder.objects.select_related("warehouse", "category").get(order=order)
    candidates: list[PoolItem] = []
    if allocation.mode == AllocationMode.CATEGORY:
        from gongwucang.assets.selectors import category_with_descendants

        candidates = list(
            selectors.stock(actor=request.user, warehouse_id=allocation.warehouse_id).filter(
                status=PoolItemStatus.IN_STOCK,
                is_held=False,
                asset__category_id__in=category_with_descendants(allocation.category_id),
            )[:200]
        )
    if request.method == "POST":
        picked = id_list(request.POST.getlist("item"))
        done = _run(
            request,
            order,
            lambda: services.allocation_dispatch(
                actor=request.user,
                order_id=order.pk,
                pool_item_ids=picked,
                comment=request.POST.get("comment", ""),
            ),
            _("调拨单 %(no)s 已出仓，等待申领单位签收"),
        )
        if done is not None:
            return done
    return render(
        request,
        "warehouse/allocation_dispatch.html",
        {
            "order": order,
            "allocation": allocation,
            "candidates": candidates,
            "lines": list(order.lines.select_related("asset__category")),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def allocation_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk, OrderType.ALLOCATION)
    if not wf.holds(request.user, Role.ASSET_CLERK, order.applicant_unit_id):
        return _refuse(request, order, _("只有申领单位的资产管理员可以签收"))
    if order.status != OrderStatus.EXECUTING:
        return _refuse(
            request, order, _("单据当前状态为「%(s)s」，不能签收") % {"s": order.get_status_display()}
        )
    departments = list(order.applicant_unit.departments.filter(is_active=True).order_by("name"))
    form = AcknowledgeForm(request.POST or None, departments=departments)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _run(
            request,
            order,
            lambda: services.allocation_acknowledge(
                actor=request.user,
                order_id=order.pk,
                department_id=int(data["department"]) if data["department"] else None,
                location=data["location"],
                comment=data["comment"],
            ),
            _("调拨单 %(no)s 已签收，资产已转入本单位"),
        )
        if done is not None:
            return done
    return render(
        request,
        "warehouse/allocation_acknowledge.html",
        {
            "order": order,
            "form": form,
            "lines": list(order.lines.select_related("asset__category")),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def allocation_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    """拒收: the receiving clerk will not sign for the dispatched goods; they go back to the pool."""
    order = _order(request, pk, OrderType.ALLOCATION)
    if not wf.holds(request.user, Role.ASSET_CLERK, order.applicant_unit_id):
        return _refuse(request, order, _("只有申领单位的资产管理员可以拒收"))
    if order.status != OrderStatus.EXECUTING:
        return _refuse(
            request, order, _("单据当前状态为「%(s)s」，不能拒收") % {"s": order.get_status_display()}
        )
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _run(
            request,
            order,
            lambda: services.allocation_refuse(
                actor=request.user, order_id=order.pk, reason=form.cleaned_data["reason"]
            ),
            _("调拨单 %(no)s 已拒收，物品退回公物仓"),
        )
        if done is not None:
            return done
    return render(
        request,
        "warehouse/allocation_refuse.html",
        {"order": order, "form": form, "lines": list(order.lines.select_related("asset__category"))},
    )


@login_required
def allocation_handover(request: HttpRequest, pk: int) -> HttpResponse:
    """调拨单 — the handover form with both sides and signature lines, as an A4 print view."""
    order = _order(request, pk, OrderType.ALLOCATION)
    if order.status not in (OrderStatus.APPROVED, OrderStatus.EXECUTING, OrderStatus.DONE):
        return _refuse(request, order, _("审批通过后才能打印调拨单"))
    context = order_context(request, order)
    lines = context["lines"]
    context.update(
        {
            "givers": sorted({line.asset.owner_unit.name for line in lines})
            if order.status != OrderStatus.DONE
            else sorted({e for e in _givers_after(order)}),
            "total_original": sum(line.original_value_fen for line in lines),
            "total_accumulated": sum(line.accumulated_depreciation_fen for line in lines),
            "total_net": sum(line.net_value_fen for line in lines),
            "total_savings": sum(line.savings_fen or 0 for line in lines),
        }
    )
    return render(request, "warehouse/allocation_handover.html", context)


def _givers_after(order: Order) -> list[str]:
    """After signature the cards belong to the receiver: the giving side is read from the ledger."""
    from gongwucang.assets.models import AssetEvent

    names = []
    for event in AssetEvent.objects.filter(reference=order.order_no, event_type="allocated"):
        before = event.before.get("owner_unit") or {}
        if before.get("text"):
            names.append(before["text"])
    return names


# --- loans ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def loan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk, OrderType.LOAN)
    loan = LoanOrder.objects.get(order=order)
    return _edit_purpose(
        request,
        order,
        loan,
        _("修改借用单"),
        lambda data, keep: services.loan_update(
            actor=request.user,
            order_id=order.pk,
            purpose=data["purpose"],
            due_on=data.get("due_on"),
            keep_asset_ids=keep,
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def loan_lend(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk, OrderType.LOAN)
    if not wf.holds(request.user, Role.KEEPER, order.handling_unit_id):
        return _refuse(request, order, _("只有该公物仓的仓管员可以借出"))
    if request.method == "POST":
        done = _run(
            request,
            order,
            lambda: services.loan_lend(
                actor=request.user, order_id=order.pk, comment=request.POST.get("comment", "")
            ),
            _("借用单 %(no)s 已借出"),
        )
        if done is not None:
            return done
    return render(
        request,
        "warehouse/loan_lend.html",
        {
            "order": order,
            "loan": LoanOrder.objects.get(order=order),
            "lines": list(order.lines.select_related("asset__category")),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def loan_return(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk, OrderType.LOAN)
    if not wf.holds(request.user, Role.KEEPER, order.handling_unit_id):
        return _refuse(request, order, _("只有该公物仓的仓管员可以验收归还"))
    if order.status != OrderStatus.EXECUTING:
        return _refuse(
            request, order, _("单据当前状态为「%(s)s」，不能验收归还") % {"s": order.get_status_display()}
        )
    lines = list(order.lines.filter(is_open=True, outcome=LineOutcome.LENT).select_related("asset__category"))
    if request.method == "POST":
        inspections = [
            services.ReturnInspection(
                line_id=line.pk,
                condition=request.POST.get(f"condition_{line.pk}", ""),
                note=request.POST.get(f"note_{line.pk}", "")[:200],
            )
            for line in lines
        ]
        done = _run(
            request,
            order,
            lambda: services.loan_return(
                actor=request.user,
                order_id=order.pk,
                inspections=inspections,
                comment=request.POST.get("comment", ""),
            ),
            _("借用单 %(no)s 已归还验收，物品回到库存"),
        )
        if done is not None:
            return done
    return render(
        request,
        "warehouse/loan_return.html",
        {
            "order": order,
            "loan": LoanOrder.objects.get(order=order),
            "lines": lines,
            "conditions": Condition.choices,
            "posted": request.POST,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def loan_extend(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk, OrderType.LOAN)
    if not wf.holds(request.user, Role.ASSET_CLERK, order.applicant_unit_id):
        return _refuse(request, order, _("只有借用单位的资产管理员可以申请延期"))
    loan = LoanOrder.objects.get(order=order)
    form = ExtensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ext = services.loan_extension_request(
                actor=request.user,
                loan_order_id=order.pk,
                new_due_on=form.cleaned_data["new_due_on"],
                reason=form.cleaned_data["reason"],
            )
        except ActionNotAllowed as exc:
            return _refuse(request, order, str(exc))
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("延期申请 %(no)s 已提交审批") % {"no": ext.order_no})
            return redirect("workflow:order_detail", pk=ext.pk)
    return render(request, "warehouse/loan_extend.html", {"order": order, "loan": loan, "form": form})


def _loans_shown(request: HttpRequest, today: dt.date) -> tuple[QuerySet[LoanOrder], bool]:
    """The loans the loan list shows: all under way, or with `?overdue=1` only the overdue ones."""
    overdue_only = request.GET.get("overdue") == "1"
    qs = (
        selectors.overdue_loans(actor=request.user, today=today)
        if overdue_only
        else selectors.loans(actor=request.user)
    )
    return qs, overdue_only


@login_required
def loans(request: HttpRequest) -> HttpResponse:
    """Loans under way; `?overdue=1` lists only the overdue ones (借用逾期)."""
    today = local_today()
    qs, overdue_only = _loans_shown(request, today)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    for loan in page.object_list:
        loan.days_overdue = days_overdue(today=today, due_on=loan.due_on)  # type: ignore[attr-defined]
    return render(
        request, "warehouse/loans.html", {"page": page, "overdue_only": overdue_only, "today": today}
    )


@login_required
def loans_export(request: HttpRequest) -> HttpResponse:
    """借用台账: the loan list as shown (all, or only the overdue), one row per lent item."""
    today = local_today()
    qs, overdue_only = _loans_shown(request, today)
    title = "逾期未还" if overdue_only else "借用中"
    return xlsx_response(
        filename=f"借用台账-{title}-{today:%Y%m%d}.xlsx",
        sheet_title=title,
        columns=exports.LOAN_COLUMNS,
        rows=exports.loan_rows(selectors.loan_lines(qs), today=today),
        preamble=[f"借用台账（{title}） · 截至 {today:%Y-%m-%d}"],
        max_rows=settings.SPREADSHEET_EXPORT_MAX_ROWS,
    )


# --- stock and warehouses ------------------------------------------------------------------


@login_required
def listed(request: HttpRequest) -> HttpResponse:
    """本单位挂牌物品: the unit's cards listed in a virtual warehouse, and the orders that asked for
    them — the giving unit follows its offer (read only; it takes no part in those orders)."""
    if not scope_for(request.user).read_unit_ids:
        raise Http404
    page = Paginator(selectors.listed_items(actor=request.user), 30).get_page(request.GET.get("page"))
    selectors.with_orders(list(page.object_list))
    return render(request, "warehouse/listed.html", {"page": page})


@login_required
def listed_export(request: HttpRequest) -> HttpResponse:
    """本单位挂牌物品 as Excel: the page's items (all of them), with the orders that asked for them."""
    if not scope_for(request.user).read_unit_ids:
        raise Http404
    today = local_today()
    return xlsx_response(
        filename=f"本单位挂牌物品-{today:%Y%m%d}.xlsx",
        sheet_title="本单位挂牌物品",
        columns=exports.LISTED_COLUMNS,
        rows=exports.listed_rows(selectors.listed_items(actor=request.user)),
        preamble=[f"本单位挂牌物品 · 截至 {today:%Y-%m-%d}"],
        max_rows=settings.SPREADSHEET_EXPORT_MAX_ROWS,
    )


def _kept_and_chosen(request: HttpRequest) -> tuple[list[Any], int | None]:
    """The warehouses the user keeps (none: a 404) and the one `?warehouse=` picks among them."""
    kept = list(selectors.kept_warehouses(actor=request.user))
    if not kept:
        raise Http404
    raw = request.GET.get("warehouse", "")
    chosen = id_param(raw)
    warehouse_id = chosen if chosen in {w.pk for w in kept} else None
    return kept, warehouse_id


@login_required
def stock(request: HttpRequest) -> HttpResponse:
    """The keeper's stock (库存): everything in the warehouses they keep, by bin. A keeper whose
    unit runs no warehouse yet is told so (the menu shows them the page); anyone else: a 404."""
    if (
        wf.units_with_role(request.user, Role.KEEPER)
        and not selectors.kept_warehouses(actor=request.user).exists()
    ):
        return render(request, "warehouse/stock.html", {"no_warehouse": True})
    kept, warehouse_id = _kept_and_chosen(request)
    page = Paginator(selectors.stock(actor=request.user, warehouse_id=warehouse_id), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request, "warehouse/stock.html", {"page": page, "warehouses": kept, "warehouse_id": warehouse_id}
    )


@login_required
def stock_export(request: HttpRequest) -> HttpResponse:
    """库存清单: the stock list as shown (all kept warehouses, or the one chosen), by bin."""
    kept, warehouse_id = _kept_and_chosen(request)
    names = [w.name for w in kept if warehouse_id in (None, w.pk)]
    today = local_today()
    return xlsx_response(
        filename=f"库存清单-{today:%Y%m%d}.xlsx",
        sheet_title="库存清单",
        columns=exports.POOL_ITEM_COLUMNS,
        rows=exports.pool_item_rows(selectors.stock(actor=request.user, warehouse_id=warehouse_id)),
        preamble=[f"库存清单 · {'、'.join(names)} · 截至 {today:%Y-%m-%d}"],
        max_rows=settings.SPREADSHEET_EXPORT_MAX_ROWS,
    )


@login_required
def warehouse_list(request: HttpRequest) -> HttpResponse:
    rows = []
    for warehouse in selectors.warehouses(actor=request.user):
        rows.append(
            {
                "warehouse": warehouse,
                "bins": list(selectors.bins_of(warehouse)) if warehouse.is_physical else [],
                "keepers": _keepers(warehouse),
                "in_stock": PoolItem.objects.filter(
                    warehouse=warehouse, status=PoolItemStatus.IN_STOCK
                ).count(),
                "on_loan": PoolItem.objects.filter(
                    warehouse=warehouse, status=PoolItemStatus.ON_LOAN
                ).count(),
            }
        )
    return render(request, "warehouse/warehouses.html", {"rows": rows})


def _keepers(warehouse: Any) -> list[Any]:
    from gongwucang.workflow.notifications import holders

    return holders(unit_id=warehouse.operating_unit_id, role=Role.KEEPER)
