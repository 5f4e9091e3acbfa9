"""Forms of the asset screens: the card (create/edit), the list's filters, attachments.

Forms only parse and present; the services decide and write. Field errors are in Chinese.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from gongwucang.core.escaping import escape_text
from gongwucang.core.http import id_param
from gongwucang.org.models import Department, Unit, User
from gongwucang.org.scoping import scope_for
from gongwucang.org.selectors import departments_of_units, people_of_units, readable_units

from .domain.choices import AssetStatus, AttachmentKind, Condition
from .domain.status import INITIAL_STATUSES, manual_targets
from .models import Asset, Category
from .selectors import DEFAULT_SORT, SORTS, AssetFilters
from .services import CARD_FIELDS

MONEY_KW: dict[str, Any] = {"max_digits": 15, "decimal_places": 2, "min_value": Decimal("0")}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        indent = "　" * max(0, len(obj.code.rstrip("0")) // 2 - 1)
        return f"{indent}{obj.code} {obj.name}"


class AssetForm(forms.ModelForm):
    """The card form. On create it also takes the opening accumulated depreciation."""

    original_value = forms.DecimalField(label=_("原值（元）"), **MONEY_KW)
    accumulated_depreciation = forms.DecimalField(
        label=_("累计折旧（元）"), initial=Decimal("0.00"), required=False, **MONEY_KW
    )
    fiscal_amount = forms.DecimalField(label=_("财政拨款金额（元）"), required=False, **MONEY_KW)
    non_fiscal_amount = forms.DecimalField(label=_("非财政金额（元）"), required=False, **MONEY_KW)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    owner_unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("产权单位"))
    category = CategoryChoiceField(queryset=Category.objects.filter(is_active=True), label=_("资产分类"))

    class Meta:
        model = Asset
        fields = [
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
        ]
        widgets = {
            "acquired_on": DateInput(),
            "booked_on": DateInput(),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, actor: User, instance: Asset | None = None, **kwargs: Any) -> None:
        super().__init__(*args, instance=instance, **kwargs)
        self.actor = actor
        self.is_create = instance is None or instance.pk is None
        writable = Unit.objects.filter(pk__in=_writable_ids(actor)).order_by("tree_path")
        visible_units = readable_units(actor=actor)
        self.fields["owner_unit"].queryset = writable
        self.fields["user_unit"].queryset = visible_units
        self.fields["user_unit"].required = False
        self.fields["user_unit"].help_text = _("留空表示与产权单位相同")
        self.fields["measure_unit"].required = False
        self.fields["measure_unit"].help_text = _("留空则取分类的计量单位")
        self.fields["useful_life_months"].help_text = _("留空则取分类的默认年限")
        unit_ids = set(writable.values_list("pk", flat=True))
        if instance is not None and instance.pk:
            unit_ids |= {instance.owner_unit_id, instance.user_unit_id}
        self.fields["department"].queryset = departments_of_units(unit_ids=unit_ids)
        self.fields["department"].label_from_instance = lambda d: f"{d.unit.display_name} / {d.name}"
        self.fields["custodian"].queryset = people_of_units(unit_ids=unit_ids)
        if self.is_create:
            self.fields["status"].choices = [
                (s, AssetStatus(s).label) for s in AssetStatus if s in INITIAL_STATUSES
            ]
            if writable.count() == 1:
                self.fields["owner_unit"].initial = writable.first()
        else:
            assert instance is not None
            del self.fields["owner_unit"]
            del self.fields["accumulated_depreciation"]
            self.fields["status"].choices = [
                (s, AssetStatus(s).label) for s in manual_targets(instance.status)
            ]
            self.fields["original_value"].initial = instance.original_value
            self.fields["version"].initial = instance.version
            self.fields["fiscal_amount"].initial = Decimal(instance.fiscal_amount_fen) / 100
            self.fields["non_fiscal_amount"].initial = Decimal(instance.non_fiscal_amount_fen) / 100
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control")
            if name in ("original_value", "accumulated_depreciation", "fiscal_amount", "non_fiscal_amount"):
                widget.attrs.update({"inputmode": "decimal", "step": "0.01"})

    FIELDSETS: tuple[tuple[Any, tuple[str, ...]], ...] = (
        (
            _("基本信息"),
            (
                "owner_unit",
                "name",
                "category",
                "model_spec",
                "brand",
                "measure_unit",
                "quantity",
                "acquisition_method",
                "acquired_on",
                "booked_on",
            ),
        ),
        (
            _("财务信息"),
            (
                "original_value",
                "accumulated_depreciation",
                "funding_source",
                "fiscal_amount",
                "non_fiscal_amount",
                "useful_life_months",
                "depreciation_method",
                "depreciation_status",
                "is_nominal_value",
            ),
        ),
        (
            _("使用信息"),
            (
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
            ),
        ),
    )

    def fieldsets(self) -> list[tuple[Any, list[forms.BoundField]]]:
        """The card's fields in the three groups of the paper card (basic, financial, use)."""
        return [
            (legend, [self[name] for name in names if name in self.fields])
            for legend, names in self.FIELDSETS
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        original = data.get("original_value")
        accumulated = data.get("accumulated_depreciation") or Decimal("0")
        if original is not None and accumulated > original:
            self.add_error("accumulated_depreciation", _("累计折旧不能大于原值"))
        acquired, booked = data.get("acquired_on"), data.get("booked_on")
        if acquired and booked and booked < acquired:
            self.add_error("booked_on", _("入账日期不能早于取得日期"))
        return data

    def card_values(self) -> dict[str, Any]:
        """The cleaned data as the service's `values` (card fields only, money in fen)."""
        data = self.cleaned_data
        values = {k: v for k, v in data.items() if k in CARD_FIELDS}
        if not values.get("user_unit"):
            values.pop("user_unit", None)
        if not values.get("measure_unit"):
            values["measure_unit"] = ""
        values["fiscal_amount_fen"] = int((data.get("fiscal_amount") or Decimal("0")) * 100)
        values["non_fiscal_amount_fen"] = int((data.get("non_fiscal_amount") or Decimal("0")) * 100)
        return values

    def apply_service_error(self, error: ValidationError) -> None:
        """Put a service's ValidationError onto the fields it names (money fields by their form names)."""
        if hasattr(error, "error_dict"):
            for field_name, messages in error.message_dict.items():
                target = field_name if field_name in self.fields else None
                for message in messages:
                    self.add_error(target, message)
        else:
            for message in error.messages:
                self.add_error(None, message)


def _writable_ids(actor: User) -> frozenset[int]:
    return scope_for(actor).write_unit_ids


class FastSelect(forms.Select):
    """A select rendered with one string join instead of one template per option.

    A region-wide reader's unit and department filters hold thousands of options; Django's
    per-option templates took ~400 ms for 6,000 of them at province scale (issue 6), this
    takes a few milliseconds. Choices are plain (value, label) pairs, or a callable returning
    them; they bypass Django's choice normalisation (a check per option, ~2 µs each) and are
    escaped with core.escaping.escape_text (the standard library's html.escape; Django's escape()
    checks every argument for lazy strings first) — 2,000 units took 10.6 ms CPU that way, 2.9 ms
    this way.
    """

    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = None) -> None:
        super().__init__(attrs)
        self._source = choices  # None: the choices its field gives it (a ChoiceField's)
        self._options: list[tuple[Any, Any]] | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> FastSelect:
        """Each form copies its fields' widgets: share the (unchanging) source of the choices
        instead of copying and normalising them again, as Select's copy does."""
        obj = copy.copy(self)
        obj.attrs = self.attrs.copy()
        obj._options = None
        memo[id(self)] = obj
        return obj

    def options_once(self) -> list[tuple[Any, Any]]:
        """The choices, evaluated once per form (they may be a callable that queries)."""
        if self._options is None:
            source = self.choices if self._source is None else self._source
            self._options = list(source() if callable(source) else source)
        return self._options

    def use_required_attribute(self, initial: Any) -> bool:
        if not forms.Widget.use_required_attribute(self, initial) or self.allow_multiple_selected:
            return False
        first = next(iter(self.options_once()), None)
        return first is not None and first[0] in ("", None)

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> str:
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = {str(v) for v in self.format_value(value)}
        parts = [f"<select{flatatt(final)}>"]
        for option_value, label in self.options_once():
            key = "" if option_value is None else str(option_value)
            mark = " selected" if key in chosen else ""
            parts.append(f'<option value="{escape_text(key)}"{mark}>{escape_text(label)}</option>')
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 — every value and label is escaped above


# Below this many readable units the department filter lists every department; above it (a
# region-wide reader), only the departments of the unit chosen in the unit filter.
DEPARTMENTS_OF_ALL_UNITS_UP_TO = 50


class AssetFilterForm(forms.Form):
    """The filter bar of the asset list. Invalid values are ignored with a message, never a 500."""

    # Every select is a FastSelect, declared here so that each form's copy of its fields is cheap
    # (FastSelect.__deepcopy__); unit, department and category get their options in __init__.
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(), label=_("单位"), required=False, widget=FastSelect
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), label=_("部门"), required=False, widget=FastSelect
    )
    category = CategoryChoiceField(
        queryset=Category.objects.all(), label=_("分类"), required=False, widget=FastSelect
    )
    status = forms.ChoiceField(
        choices=[("", _("全部状态")), *AssetStatus.choices],
        label=_("状态"),
        required=False,
        widget=FastSelect,
    )
    condition = forms.ChoiceField(
        choices=[("", _("全部")), *Condition.choices], label=_("状况"), required=False, widget=FastSelect
    )
    value_min = forms.DecimalField(label=_("原值从"), required=False, **MONEY_KW)
    value_max = forms.DecimalField(label=_("原值到"), required=False, **MONEY_KW)
    acquired_from = forms.DateField(label=_("取得日期从"), required=False, widget=DateInput())
    acquired_to = forms.DateField(label=_("取得日期到"), required=False, widget=DateInput())
    # Sent by the table's hidden input (assets/_asset_table.html), never drawn by the form.
    sort = forms.ChoiceField(choices=[(k, k) for k in SORTS], required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].empty_label = _("全部单位")
        self.fields["department"].empty_label = _("全部部门")
        self.fields["category"].empty_label = _("全部分类")
        chosen_unit = self.data.get("unit", "") if self.is_bound else ""
        chosen_department = self.data.get("department", "") if self.is_bound else ""

        # The querysets are built only when something needs them: validating a chosen unit or
        # department, or drawing the options. A search or a sort (an htmx table update) chooses
        # neither and draws no form — building them anyway cost a fifth of such a request's
        # form work (issue 6).
        def units() -> QuerySet[Unit]:
            return readable_units(actor=actor)

        def departments() -> QuerySet[Department]:
            return Department.objects.filter(unit__in=units())

        if chosen_unit:
            self.fields["unit"].queryset = units()
        if chosen_department:
            self.fields["department"].queryset = departments()
        # Options as plain pairs, rendered fast (see FastSelect); validation uses the querysets.
        scope = scope_for(actor)
        if (unit_id := id_param(chosen_unit)) is not None:

            def shown() -> QuerySet[Department]:
                return departments().filter(unit_id=unit_id)

        elif not scope.read_region_ids and len(scope.read_unit_ids) <= DEPARTMENTS_OF_ALL_UNITS_UP_TO:
            shown = departments
        else:

            def shown() -> QuerySet[Department]:
                if (department_id := id_param(chosen_department)) is not None:
                    return departments().filter(pk=department_id)
                return Department.objects.none()

            self.fields["department"].empty_label = _("全部部门（先选单位）")
        # Choices are callables: evaluated only when the form is drawn (not for htmx table updates).
        unit_label = self.fields["unit"].empty_label
        department_label = self.fields["department"].empty_label
        self.fields["unit"].widget = FastSelect(
            choices=lambda: [("", unit_label), *units().values_list("id", "name")]
        )
        self.fields["department"].widget = FastSelect(
            choices=lambda: [
                ("", department_label),
                *(
                    (pk, f"{short or name} / {dept}")
                    for pk, short, name, dept in shown()
                    .order_by("unit__tree_path", "name")
                    .values_list("id", "unit__short_name", "unit__name", "name")
                ),
            ]
        )
        category = self.fields["category"]
        self.fields["category"].widget = FastSelect(
            choices=lambda: [
                ("", category.empty_label),
                *((c.pk, category.label_from_instance(c)) for c in Category.objects.all()),
            ]
        )
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def to_filters(self) -> AssetFilters:
        self.is_valid()  # invalid fields are left out of cleaned_data and shown as errors
        data = self.cleaned_data
        return AssetFilters(
            unit_id=data["unit"].pk if data.get("unit") else None,
            department_id=data["department"].pk if data.get("department") else None,
            category_id=data["category"].pk if data.get("category") else None,
            statuses=[data["status"]] if data.get("status") else [],
            condition=data.get("condition") or None,
            value_min=data.get("value_min"),
            value_max=data.get("value_max"),
            acquired_from=data.get("acquired_from"),
            acquired_to=data.get("acquired_to"),
            query=data.get("q") or "",
            sort=data.get("sort") or DEFAULT_SORT,
        )


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(choices=AttachmentKind.choices, label=_("类型"))
    file = forms.FileField(label=_("文件"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget.attrs["class"] = "form-select"
        self.fields["file"].widget.attrs["class"] = "form-control"
