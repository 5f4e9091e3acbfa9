"""Writes to asset cards. Every function is one transaction that locks the card, checks the rule,
changes it and appends exactly one ledger event per card it changed (ARCHITECTURE.md rule 1).

Views, imports, shell commands and other apps' services all change cards through here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongwucang.accounting import hooks as accounting_hooks
from gongwucang.core.dates import local_today
from gongwucang.core.money import MoneyError, yuan_to_fen
from gongwucang.org.models import Unit, User
from gongwucang.org.scoping import scope_for

from .domain.asset_numbers import format_asset_no
from .domain.attachments import AttachmentRejected, check_attachment
from .domain.choices import AssetStatus, DepreciationStatus
from .domain.events import EventType
from .domain.search_keys import build_search_text
from .domain.status import INITIAL_STATUSES, StatusTransitionError, check_transition
from .exceptions import AssetNotWritable, ConcurrentEditError
from .ledger import diff, record_event, snapshot
from .models import Asset, AssetAttachment, AssetBook, AssetNumberSequence

# Fields a clerk sets on a card (register and edit). Title (owner unit), the number and the
# disposal fields change only through their own services.
CARD_FIELDS: frozenset[str] = frozenset(
    {
        "name",
        "category",
        "model_spec",
        "brand",
        "measure_unit",
        "quantity",
        "acquisition_method",
        "acquired_on",
        "booked_on",
        "funding_source",
        "fiscal_amount_fen",
        "non_fiscal_amount_fen",
        "useful_life_months",
        "depreciation_method",
        "depreciation_status",
        "is_nominal_value",
        "user_unit",
        "department",
        "custodian",
        "location",
        "usage",
        "counterparty_name",
        "counterparty_contact",
        "counterparty_phone",
        "status",
        "condition",
        "note",
    }
)
# What other apps' services may change on a card besides CARD_FIELDS (title, disposal).
SYSTEM_FIELDS: frozenset[str] = CARD_FIELDS | {
    "owner_unit",
    "disposal_method",
    "disposed_on",
    "disposal_income_fen",
}


def _to_fen(value: Decimal | int | str, field: str) -> int:
    try:
        fen = yuan_to_fen(value)
    except MoneyError as exc:
        raise ValidationError({field: str(exc)}) from exc
    if fen < 0:
        raise ValidationError({field: _("金额不能为负数")})
    return fen


def _search_text(asset: Asset) -> str:
    return build_search_text(asset.name, asset.asset_no, asset.model_spec, asset.brand)


def _check_people_belong(asset: Asset) -> None:
    """Department and custodian must belong to the unit that uses the card."""
    errors: dict[str, str] = {}
    department, custodian = asset.department, asset.custodian
    if department is not None and department.unit_id != asset.user_unit_id:
        errors["department"] = _("使用部门不属于使用单位")
    if custodian is not None and custodian.unit_id not in (asset.user_unit_id, asset.owner_unit_id):
        errors["custodian"] = _("使用人不属于使用单位")
    if asset.user_unit_id and asset.user_unit.region_id != asset.region_id:
        errors["user_unit"] = _("使用单位必须属于同一区域")
    if errors:
        raise ValidationError(errors)


def _check_row_rules(asset: Asset) -> None:
    """The card's own database constraints, checked first so the user gets a Chinese message
    (the database still holds them; Django's generic constraint validation costs a query each)."""
    errors: dict[str, str] = {}
    if asset.quantity is not None and asset.quantity < 1:
        errors["quantity"] = _("数量至少为 1")
    if asset.acquired_on and asset.booked_on and asset.booked_on < asset.acquired_on:
        errors["booked_on"] = _("入账日期不能早于取得日期")
    if asset.useful_life_months is not None and asset.useful_life_months < 1:
        errors["useful_life_months"] = _("使用年限至少为 1 个月")
    for name, label in (
        ("fiscal_amount_fen", "fiscal_amount"),
        ("non_fiscal_amount_fen", "non_fiscal_amount"),
        ("disposal_income_fen", "disposal_income"),
    ):
        value = getattr(asset, name)
        if value is not None and value < 0:
            errors[label] = _("金额不能为负数")
    if errors:
        raise ValidationError(errors)


def _validate(asset: Asset) -> None:
    _check_people_belong(asset)
    _check_row_rules(asset)
    asset.full_clean(
        exclude=["search_text", "version", "region"], validate_unique=True, validate_constraints=False
    )


def next_asset_no(*, unit: Unit, year: int) -> str:
    """Issue the next asset number of `unit` for `year`, under a row lock. Must run in a transaction."""
    try:
        with transaction.atomic():  # a savepoint: two first numbers of a year at once may race here
            AssetNumberSequence.objects.get_or_create(unit=unit, year=year)
    except IntegrityError:
        pass  # the other one created the row; we lock it below
    seq = AssetNumberSequence.objects.select_for_update().get(unit=unit, year=year)
    while True:
        seq.last_value += 1
        candidate = format_asset_no(unit.code, year, seq.last_value)
        # An imported card may already carry a number of this shape: skip it, never reuse it.
        if not Asset.objects.filter(asset_no=candidate).exists():
            break
    seq.save(update_fields=["last_value"])
    return candidate


def _apply_defaults(asset: Asset) -> None:
    category = asset.category
    if not asset.measure_unit:
        asset.measure_unit = category.measure_unit
    if asset.useful_life_months is None and category.depreciable:
        asset.useful_life_months = category.default_life_months
    if not category.depreciable:
        asset.depreciation_status = DepreciationStatus.NOT_DEPRECIATED


@transaction.atomic
def asset_register(
    *,
    actor: User,
    owner_unit: Unit,
    values: Mapping[str, Any],
    original_value: Decimal | int | str,
    accumulated_depreciation: Decimal | int | str = Decimal("0"),
    months_depreciated: int = 0,
    asset_no: str | None = None,
    event_type: str = EventType.REGISTERED,
    reference: str = "",
    note: str = "",
) -> Asset:
    """Register a new asset card in `owner_unit` with its opening book values.

    The number is generated for the unit and the current year unless given (imports keep the
    national system's number). Writes one ledger event. Raises ValidationError with Chinese
    messages per field, AssetNotWritable if the actor may not write cards of that unit.
    """
    if not scope_for(actor).can_write(owner_unit.pk):
        raise AssetNotWritable(_("您没有在该单位登记资产的权限"))
    unknown = set(values) - CARD_FIELDS
    if unknown:
        raise ValueError(f"unknown card fields: {sorted(unknown)}")
    status = values.get("status", AssetStatus.IN_USE)
    if status not in INITIAL_STATUSES:
        raise ValidationError(
            {"status": _("新登记的资产状态不能是「%(status)s」") % {"status": AssetStatus(status).label}}
        )
    original_fen = _to_fen(original_value, "original_value")
    accumulated_fen = _to_fen(accumulated_depreciation, "accumulated_depreciation")
    if accumulated_fen > original_fen:
        raise ValidationError({"accumulated_depreciation": _("累计折旧不能大于原值")})
    asset = Asset(region_id=owner_unit.region_id, owner_unit=owner_unit, **values)
    if not asset.user_unit_id:
        asset.user_unit = owner_unit
    if asset.category_id:
        _apply_defaults(asset)
    asset.asset_no = asset_no or next_asset_no(unit=owner_unit, year=local_today().year)
    asset.search_text = _search_text(asset)
    _validate(asset)
    accounting_hooks.card_registering(asset=asset)  # closed-period guard (accounting)
    asset.save()
    asset.book = AssetBook.objects.create(
        asset=asset,
        category_id=asset.category_id,
        original_value_fen=original_fen,
        accumulated_depreciation_fen=accumulated_fen,
        months_depreciated=months_depreciated,
    )
    accounting_hooks.card_registered(asset=asset)  # depreciation basis for off-schedule opening values
    record_event(
        asset=asset,
        event_type=event_type,
        actor=actor,
        before={},
        after=snapshot(asset),
        reference=reference,
        note=note,
    )
    return asset


def _lock(asset_id: int) -> Asset:
    return (
        Asset.objects.select_for_update(of=("self",))
        .select_related("book", "category", "owner_unit", "user_unit", "department", "custodian")
        .get(pk=asset_id)
    )


def _lock_card(asset_id: int) -> Asset:
    """Lock the card and its book row (the book row first for a stable lock order)."""
    AssetBook.objects.select_for_update().filter(asset_id=asset_id).first()
    return _lock(asset_id)


def _change(
    *,
    asset: Asset,
    actor: User | None,
    values: Mapping[str, Any],
    allowed_fields: frozenset[str],
    original_value: Decimal | int | str | None,
    manual_status: bool,
    event_type: str | None,
    reference: str,
    note: str,
) -> bool:
    """Apply changes to a locked card; write one event if anything changed. Returns whether it did."""
    unknown = set(values) - allowed_fields
    if unknown:
        raise ValueError(f"fields not changeable here: {sorted(unknown)}")
    if asset.status == AssetStatus.DISPOSED:
        raise ValidationError(_("已处置的资产不能再修改"))
    target = values.get("status", asset.status)
    try:
        check_transition(asset.status, target, manual=manual_status)
    except StatusTransitionError as exc:
        raise ValidationError({"status": str(exc)}) from exc
    before = snapshot(asset)
    for name, value in values.items():
        setattr(asset, name, value)
    if "category" in values and asset.category_id:
        _apply_defaults(asset)
    book = asset.book
    if original_value is not None:
        new_fen = _to_fen(original_value, "original_value")
        if new_fen < book.accumulated_depreciation_fen:
            raise ValidationError({"original_value": _("原值不能小于累计折旧")})
        book.original_value_fen = new_fen
    after = snapshot(asset)
    old, new = diff(before, after)
    if not new:
        return False
    asset.search_text = _search_text(asset)
    _validate(asset)
    accounting_hooks.card_changed(asset=asset, old=old, new=new)  # closed periods, basis, holder
    asset.version += 1
    asset.updated_at = timezone.now()
    asset.save()
    if "original_value_fen" in new:
        book.save(update_fields=["original_value_fen"])
    if event_type is None:
        if set(new) == {"status"}:
            event_type = EventType.STATUS_CHANGED
        elif set(new) == {"original_value_fen"}:
            event_type = EventType.VALUE_CHANGED
        else:
            event_type = EventType.UPDATED
    record_event(
        asset=asset, event_type=event_type, actor=actor, before=old, after=new, reference=reference, note=note
    )
    return True


@transaction.atomic
def asset_update(
    *,
    actor: User,
    asset_id: int,
    expected_version: int,
    values: Mapping[str, Any],
    original_value: Decimal | int | str | None = None,
    note: str = "",
) -> Asset:
    """A clerk's edit of a card. Refused if the card changed since `expected_version` was read.

    Status may only make the everyday moves (in use ↔ idle, repair); anything else needs its
    order. One ledger event with the fields that changed; none if nothing changed.
    """
    asset = _lock_card(asset_id)
    scope = scope_for(actor)
    if not scope.can_write(asset.owner_unit_id):
        raise AssetNotWritable(_("您没有修改该资产的权限"))
    if asset.version != expected_version:
        raise ConcurrentEditError(
            _(
                "该资产在您编辑期间已被他人修改（当前版本 %(current)s，您编辑的是版本 %(yours)s）。"
                "为避免覆盖他人的修改，本次保存未生效，请刷新后重新编辑。"
            ),
            params={"current": asset.version, "yours": expected_version},
            code="concurrent_edit",
        )
    if (
        "user_unit" in values
        and values["user_unit"] is not None
        and not scope.can_read(values["user_unit"].pk, values["user_unit"].region_id)
    ):
        raise ValidationError({"user_unit": _("不能选择您无权查看的单位")})
    _change(
        asset=asset,
        actor=actor,
        values=values,
        allowed_fields=CARD_FIELDS,
        original_value=original_value,
        manual_status=True,
        event_type=None,
        reference="",
        note=note,
    )
    return asset


@transaction.atomic
def asset_apply_change(
    *,
    actor: User | None,
    asset_id: int,
    values: Mapping[str, Any],
    event_type: str,
    reference: str = "",
    note: str = "",
) -> Asset:
    """Change a card on behalf of another app's service (intake, allocation, loan, disposal …).

    The calling service has checked its own permission (a keeper receiving goods may not write
    the giving unit's cards otherwise). Status moves follow the full transition table. One
    ledger event of `event_type`, even if only the status changed.
    """
    asset = _lock_card(asset_id)
    changed = _change(
        asset=asset,
        actor=actor,
        values=values,
        allowed_fields=SYSTEM_FIELDS,
        original_value=None,
        manual_status=False,
        event_type=event_type,
        reference=reference,
        note=note,
    )
    if not changed:  # the order still leaves its trace on the card
        record_event(asset=asset, event_type=event_type, actor=actor, reference=reference, note=note)
    return asset


@dataclass(frozen=True)
class BulkResult:
    changed: list[str]
    skipped: list[tuple[str, str]]  # (asset no., reason)


@transaction.atomic
def assets_mark_idle(*, actor: User, asset_ids: Iterable[int], note: str = "") -> BulkResult:
    """Mark the chosen cards idle (闲置). Cards the actor may not change are not touched at all;
    cards that cannot become idle (not in use) are skipped and reported. One event per card."""
    scope = scope_for(actor)
    ids = sorted(set(asset_ids))
    changed: list[str] = []
    skipped: list[tuple[str, str]] = []
    writable = set(
        Asset.objects.filter(pk__in=ids, owner_unit_id__in=scope.write_unit_ids).values_list("pk", flat=True)
    )
    if len(writable) != len(ids):
        raise AssetNotWritable(_("所选资产中有您无权修改的资产"))
    for asset_id in ids:
        asset = _lock_card(asset_id)
        if asset.status == AssetStatus.IDLE:
            skipped.append((asset.asset_no, _("已是闲置")))
            continue
        if (asset.status, AssetStatus.IDLE) != (AssetStatus.IN_USE, AssetStatus.IDLE):
            skipped.append(
                (
                    asset.asset_no,
                    _("状态为「%(status)s」，不能直接标记闲置") % {"status": asset.get_status_display()},
                )
            )
            continue
        _change(
            asset=asset,
            actor=actor,
            values={"status": AssetStatus.IDLE},
            allowed_fields=CARD_FIELDS,
            original_value=None,
            manual_status=True,
            event_type=EventType.STATUS_CHANGED,
            reference="",
            note=note or "批量标记闲置",
        )
        changed.append(asset.asset_no)
    return BulkResult(changed, skipped)


@transaction.atomic
def asset_attach_file(*, actor: User, asset_id: int, kind: str, uploaded: UploadedFile) -> AssetAttachment:
    """Attach a photo or document to a card after checking its real type and size. One event."""
    asset = _lock_card(asset_id)
    if not scope_for(actor).can_write(asset.owner_unit_id):
        raise AssetNotWritable(_("您没有修改该资产的权限"))
    limit = settings.ATTACHMENT_MAX_PHOTO_BYTES if kind == "photo" else settings.ATTACHMENT_MAX_DOCUMENT_BYTES
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    try:
        checked = check_attachment(
            kind=kind, filename=uploaded.name or "", size=uploaded.size or 0, head=head, max_bytes=limit
        )
    except AttachmentRejected as exc:
        raise ValidationError({"file": str(exc)}) from exc
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    attachment = AssetAttachment(
        asset=asset,
        kind=kind,
        original_name=(uploaded.name or "")[:255],
        content_type=checked.content_type,
        size_bytes=uploaded.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    attachment.file.save(f"upload.{checked.extension}", uploaded, save=False)
    try:
        attachment.save()
        record_event(
            asset=asset,
            event_type=EventType.ATTACHMENT_ADDED,
            actor=actor,
            before={},
            after={"attachment": {"id": attachment.pk, "text": attachment.original_name}, "kind": kind},
        )
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment
