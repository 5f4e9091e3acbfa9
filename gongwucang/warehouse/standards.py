"""Loading the provisioning standards (配置标准) from data/reference/provisioning_standards.csv.

The CSV names items in Chinese (台式计算机, 办公桌（处级及以下）…); which GB/T 14885 class each
prices is a mapping kept here, and editable afterwards in the admin. Where two standards share a
class (bureau level and below), the one a town or county applies — 处级及以下 — is the default.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.conf import settings
from django.db import transaction

from gongwucang.assets.models import Category
from gongwucang.core.money import yuan_to_fen

from .models import ProvisioningStandard

DEFAULT_PATH = Path(settings.BASE_DIR) / "data" / "reference" / "provisioning_standards.csv"

# item → (category code, is the category's default standard)
CATEGORY_OF_ITEM: dict[str, tuple[str, bool]] = {
    "台式计算机": ("A02010105", True),
    "便携式计算机": ("A02010108", True),
    "A4黑白打印机": ("A02021000", True),
    "复印机": ("A02021100", True),
    "办公桌（司局级）": ("A05010100", False),
    "办公桌（处级及以下）": ("A05010100", True),
    "办公椅（司局级）": ("A05010301", False),
    "办公椅（处级及以下）": ("A05010301", True),
    "书柜（司局级）": ("A05010501", False),
    "书柜（处级及以下）": ("A05010501", True),
    "文件柜": ("A05010502", True),
    "保密柜": ("A05010502", False),
    "会议椅": ("A05010301", False),
}


def read_rows(path: Path = DEFAULT_PATH) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines))


@transaction.atomic
def standards_load(path: Path = DEFAULT_PATH) -> int:
    """Create or update one standard per CSV row (by item name). Categories not loaded yet stay
    empty; rerun after `load_categories`. Returns the number of rows written."""
    categories = {c.code: c for c in Category.objects.all()}
    written = 0
    for row in read_rows(path):
        name = row["item_zh"].strip()
        code, is_default = CATEGORY_OF_ITEM.get(name, ("", False))
        category = categories.get(code)
        ProvisioningStandard.objects.update_or_create(
            name=name,
            defaults={
                "category": category,
                "price_cap_fen": yuan_to_fen(row["price_cap_yuan"]),
                "min_service_years": int(row["min_years"]),
                "quantity_rule": (row.get("quantity_rule") or "").strip(),
                "is_default_for_category": bool(category) and is_default,
            },
        )
        written += 1
    return written
