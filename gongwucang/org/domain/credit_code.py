"""统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character.

Alphabet: the digits and the capital letters without I, O, Z, S, V (31 characters, each
with its value 0–30). Weights for positions 1–17 are 3^(i-1) mod 31. The check value is
31 − (Σ value × weight mod 31), with 31 written as 0.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28


def check_character(first17: str) -> str:
    """The check character for the first 17 characters of a credit code."""
    if len(first17) != 17 or any(ch not in _VALUES for ch in first17):
        raise ValueError("前17位只能由数字和除 I、O、Z、S、V 以外的大写字母组成")
    total = sum(_VALUES[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    value = (31 - total % 31) % 31
    return ALPHABET[value]


def credit_code_error(code: str) -> str | None:
    """None if `code` is a valid credit code, else a Chinese explanation of what is wrong."""
    if len(code) != 18:
        return _("统一社会信用代码应为18位")
    bad = [ch for ch in code if ch not in _VALUES]
    if bad:
        return _("统一社会信用代码含有无效字符：%(chars)s") % {"chars": "".join(sorted(set(bad)))}
    expected = check_character(code[:17])
    if code[17] != expected:
        return _("统一社会信用代码校验位错误（应为 %(expected)s）") % {"expected": expected}
    return None


def is_valid_credit_code(code: str) -> bool:
    return credit_code_error(code) is None
