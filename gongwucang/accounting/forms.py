"""Forms of the accounting screens: what a person types, checked and turned into typed values."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongwucang.assets.domain.depreciation import DepreciationInputError, parse_month
from gongwucang.org.models import Unit

MONTH_HELP = _("格式：年-月，如 2026-11")


class MonthField(forms.CharField):
    """A month typed as 2026-11 (also 2026/11, 2026年11月), cleaned to its first day."""

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_month(text)
        except DepreciationInputError as exc:
            raise forms.ValidationError(str(exc), code="month") from exc


class PostForm(forms.Form):
    month = MonthField(
        label=_("计提月份"),
        help_text=MONTH_HELP,
        widget=forms.TextInput(
            attrs={"class": "form-control", "inputmode": "numeric", "placeholder": "2026-11"}
        ),
    )
    catch_up = forms.BooleanField(
        label=_("补提模式：依次补提此前所有未计提的月份"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("反结账原因"),
        min_length=2,
        max_length=500,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
        error_messages={
            "required": _("请填写反结账的原因"),
            "min_length": _("请把原因写清楚（至少 2 个字）"),
        },
    )


class EntryFilterForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("计提单位"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("全部"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    top_class = forms.ChoiceField(
        label=_("资产大类"), required=False, widget=forms.Select(attrs={"class": "form-select"})
    )

    def __init__(self, *args: Any, units: Any, classes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["top_class"].choices = [("", _("全部")), *classes]  # type: ignore[attr-defined]


class SummaryForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("单位"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    subtree = forms.BooleanField(
        label=_("含下级单位"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )
    month = MonthField(
        label=_("本期折旧的月份"),
        required=False,
        help_text=MONTH_HELP,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "2026-11"}),
    )

    def __init__(self, *args: Any, units: Any, whole_region: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        field.queryset = units  # type: ignore[attr-defined]
        field.empty_label = _("全区域") if whole_region else None  # type: ignore[attr-defined]


class CalculatorForm(forms.Form):
    cost = forms.DecimalField(
        label=_("原值（元）"),
        min_value=0,
        max_digits=16,
        decimal_places=2,
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal"}),
        error_messages={"invalid": _("请输入金额，如 5999.00"), "max_decimal_places": _("金额最多两位小数")},
    )
    life_months = forms.IntegerField(
        label=_("使用年限（月）"),
        min_value=1,
        max_value=1200,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    added = forms.DateField(
        label=_("入账日期"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"class": "form-control", "type": "date"}),
    )
    left = forms.DateField(
        label=_("减少日期（可选）"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"class": "form-control", "type": "date"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        added, left = data.get("added"), data.get("left")
        if added and left and left < added:
            self.add_error("left", _("减少日期不能早于入账日期"))
        return data


class WorkloadPlanForm(forms.Form):
    total_workload = forms.IntegerField(
        label=_("预计总工作量"), min_value=1, widget=forms.NumberInput(attrs={"class": "form-control"})
    )
    workload_unit = forms.CharField(
        label=_("工作量单位"),
        max_length=20,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("公里")}),
    )


class WorkloadReadingForm(forms.Form):
    month = MonthField(
        label=_("月份"),
        help_text=MONTH_HELP,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "2026-11"}),
    )
    workload = forms.IntegerField(
        label=_("本月工作量"), min_value=0, widget=forms.NumberInput(attrs={"class": "form-control"})
    )
