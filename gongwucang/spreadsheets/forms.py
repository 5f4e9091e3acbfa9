"""Forms of the import screens. They only parse; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongwucang.org.models import User

from .models import ImportMode
from .selectors import importable_units


class UploadForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, label=_("导入到单位"))  # type: ignore[arg-type]
    file = forms.FileField(label=_("资产台账文件（.xlsx、.xls 或 .csv）"))

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = importable_units(actor=actor)
        self.fields["unit"].queryset = units
        if units.count() == 1:
            self.fields["unit"].initial = units.first()
        self.fields["unit"].widget.attrs["class"] = "form-select"
        self.fields["file"].widget.attrs.update({"class": "form-control", "accept": ".xlsx,.xls,.csv"})


class CommitForm(forms.Form):
    mode = forms.ChoiceField(
        choices=ImportMode.choices,
        initial=ImportMode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
        label=_("导入方式"),
    )
