"""Asset numbers: the unit's code, the year, and a counter per unit and year that never goes back.

Format: UNITCODE-YYYY-NNNNNN (e.g. ZFB01-2026-000123). The counter lives in the database
(AssetNumberSequence) and is advanced under a row lock, so a number is never issued twice,
even after a card is disposed of.
"""

from __future__ import annotations

import re

ASSET_NO_RE = re.compile(r"^[A-Z0-9]{1,12}-\d{4}-\d{6,}$")


def format_asset_no(unit_code: str, year: int, sequence: int) -> str:
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    if not re.fullmatch(r"[A-Za-z0-9]{1,12}", unit_code):
        raise ValueError("unit code must be 1–12 letters or digits")
    return f"{unit_code.upper()}-{year:04d}-{sequence:06d}"


def is_generated_asset_no(value: str) -> bool:
    return bool(ASSET_NO_RE.match(value))
