"""Forms of the order pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import OrderAttachmentKind


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=OrderAttachmentKind.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    file = forms.FileField(label=_("文件"), widget=forms.ClearableFileInput(attrs={"class": "form-control"}))
