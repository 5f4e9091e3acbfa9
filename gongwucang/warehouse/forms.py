"""Forms of the warehouse screens. They turn input into typed values; the rules are the services'."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from gongwucang.assets.domain.choices import Condition
from gongwucang.core.dates import local_today
from gongwucang.workflow.models import OrderAttachmentKind

from .domain.choices import IntakeSource, WarehouseKind

SELECT = {"class": "form-select"}
TEXT = {"class": "form-control"}


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索（名称、编号、拼音首字母）"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={**TEXT, "type": "search", "placeholder": "bjb / 笔记本"}),
    )
    category = forms.ChoiceField(label=_("分类"), required=False, widget=forms.Select(attrs=SELECT))
    condition = forms.ChoiceField(
        label=_("状况"),
        required=False,
        choices=[("", _("全部")), *list(Condition.choices)],
        widget=forms.Select(attrs=SELECT),
    )
    warehouse = forms.ChoiceField(label=_("仓库"), required=False, widget=forms.Select(attrs=SELECT))
    kind = forms.ChoiceField(
        label=_("仓库类型"),
        required=False,
        choices=[("", _("全部")), *list(WarehouseKind.choices)],
        widget=forms.Select(attrs=SELECT),
    )
    location = forms.CharField(
        label=_("存放地点/库位"), required=False, max_length=50, widget=forms.TextInput(attrs=TEXT)
    )
    available = forms.BooleanField(
        label=_("只看可申领"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )

    def __init__(self, *args, categories=(), warehouses=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("全部"))] + [
            (str(c.pk), f"{c.code} {c.name}") for c in categories
        ]
        self.fields["warehouse"].choices = [("", _("全部"))] + [(str(w.pk), w.name) for w in warehouses]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("widget", MultipleFileInput(attrs=TEXT))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):  # type: ignore[no-untyped-def]
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class IntakeForm(forms.Form):
    warehouse = forms.ChoiceField(label=_("入仓仓库"), widget=forms.Select(attrs=SELECT))
    source = forms.ChoiceField(
        label=_("来源"), choices=IntakeSource.choices, widget=forms.Select(attrs=SELECT)
    )
    source_note = forms.CharField(
        label=_("来源说明"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs=TEXT),
        help_text=_("来源为「其他」时必填"),
    )
    title = forms.CharField(
        label=_("事由（可选，默认自动生成）"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs=TEXT),
    )
    document_kind = forms.ChoiceField(
        label=_("附件类型"),
        required=False,
        choices=OrderAttachmentKind.choices,
        initial=OrderAttachmentKind.TRANSFER_LIST,
        widget=forms.Select(attrs=SELECT),
    )
    documents = MultipleFileField(label=_("附件（移交清单、发票、合同、权属证明等）"), required=False)

    def __init__(self, *args, warehouses=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].choices = [
            (str(w.pk), f"{w.name}（{w.get_kind_display()}）") for w in warehouses
        ]


class CategoryRequestForm(forms.Form):
    warehouse = forms.ChoiceField(label=_("仓库"), widget=forms.Select(attrs=SELECT))
    category = forms.ChoiceField(label=_("资产分类"), widget=forms.Select(attrs=SELECT))
    quantity = forms.IntegerField(
        label=_("数量"), min_value=1, max_value=999, initial=1, widget=forms.NumberInput(attrs=TEXT)
    )
    purpose = forms.CharField(label=_("用途"), max_length=200, widget=forms.TextInput(attrs=TEXT))

    def __init__(self, *args, warehouses=(), categories=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].choices = [(str(w.pk), w.name) for w in warehouses]
        self.fields["category"].choices = [(str(c.pk), f"{c.code} {c.name}") for c in categories]


class CheckoutForm(forms.Form):
    MODES = [("allocation", _("调剂申领（产权转入本单位）")), ("loan", _("借用（用后归还）"))]
    mode = forms.ChoiceField(
        label=_("申请方式"),
        choices=MODES,
        initial="allocation",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    purpose = forms.CharField(label=_("用途"), max_length=200, widget=forms.TextInput(attrs=TEXT))
    due_on = forms.DateField(
        label=_("归还日期（借用时必填）"),
        required=False,
        widget=forms.DateInput(attrs={**TEXT, "type": "date"}),
    )
    submit_now = forms.BooleanField(
        label=_("立即提交审批（不勾选则保存为草稿）"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        if data.get("mode") == "loan" and not data.get("due_on"):
            self.add_error("due_on", _("借用时请填写归还日期"))
        return data


class AcknowledgeForm(forms.Form):
    department = forms.ChoiceField(label=_("使用部门"), required=False, widget=forms.Select(attrs=SELECT))
    location = forms.CharField(
        label=_("存放地点"), required=False, max_length=200, widget=forms.TextInput(attrs=TEXT)
    )
    comment = forms.CharField(
        label=_("签收说明"), required=False, max_length=500, widget=forms.TextInput(attrs=TEXT)
    )

    def __init__(self, *args, departments=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "—")] + [(str(d.pk), d.name) for d in departments]


class ReasonForm(forms.Form):
    """A required reason (拒收, 撤回): the irreversible step is confirmed on the button."""

    reason = forms.CharField(label=_("原因"), max_length=200, widget=forms.TextInput(attrs=TEXT))


class ExtensionForm(forms.Form):
    new_due_on = forms.DateField(label=_("申请延至"), widget=forms.DateInput(attrs={**TEXT, "type": "date"}))
    reason = forms.CharField(label=_("延期理由"), max_length=200, widget=forms.TextInput(attrs=TEXT))


class PurposeForm(forms.Form):
    purpose = forms.CharField(label=_("用途"), max_length=200, widget=forms.TextInput(attrs=TEXT))
    quantity = forms.IntegerField(
        label=_("数量"), required=False, min_value=1, max_value=999, widget=forms.NumberInput(attrs=TEXT)
    )
    due_on = forms.DateField(
        label=_("归还日期"), required=False, widget=forms.DateInput(attrs={**TEXT, "type": "date"})
    )


def default_due_on() -> dt.date:
    return local_today() + dt.timedelta(days=14)
