from typing import Any

import pytest
from django.test import SimpleTestCase
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from gongwucang.core.escaping import escape_text

VALUES: list[Any] = [
    "<script>alert(1)</script>",
    "\"甲&乙\" 'x'",
    "",
    "普通文字",
    12345,
    None,
    3.5,
    mark_safe("<b>已安全</b>"),
    gettext_lazy("资产卡片"),
]


class EscapeTextTests(SimpleTestCase):
    def test_same_output_as_conditional_escape(self) -> None:
        for value in VALUES:
            with self.subTest(value=value):
                self.assertEqual(escape_text(value), str(conditional_escape(value)))

    def test_markup_is_escaped_and_safe_html_is_kept(self) -> None:
        self.assertEqual(escape_text("<a href='x'>&</a>"), "&lt;a href=&#x27;x&#x27;&gt;&amp;&lt;/a&gt;")
        self.assertEqual(escape_text(mark_safe("<br>")), "<br>")


@pytest.mark.parametrize("value", ["<", ">", "&", '"', "'"])
def test_each_special_character(value: str) -> None:
    assert escape_text(value) == str(conditional_escape(value)) != value
