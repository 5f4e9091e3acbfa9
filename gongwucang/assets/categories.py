"""Loading and maintaining the category tree (GB/T 14885) from the reference tables.

Re-runnable: existing categories are updated in place by code, new ones created, none deleted
(cards may point at them). Runs in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .domain.reference_data import parse_categories, parse_depreciation_years
from .models import Category

REFERENCE_DIR = Path(settings.BASE_DIR) / "data" / "reference"


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    unchanged: int


@transaction.atomic
def categories_load(
    *,
    categories_csv: Path = REFERENCE_DIR / "categories.csv",
    years_csv: Path = REFERENCE_DIR / "depreciation_years.csv",
) -> LoadResult:
    """Create or update every category of the file, with default life and depreciable flag."""
    rows = parse_categories(categories_csv)
    years = parse_depreciation_years(years_csv)
    by_code = {c.code: c for c in Category.objects.select_for_update()}
    created = updated = unchanged = 0
    # Parents first: the file lists them first, but sort by level to be safe.
    for row in sorted(rows, key=lambda r: (r.parent_code is not None, len(r.code.rstrip("0")))):
        parent = by_code.get(row.parent_code) if row.parent_code else None
        life_years = years.get(row.depreciation_item)
        wanted = {
            "name": row.name,
            "parent": parent,
            "depreciation_item": row.depreciation_item,
            "default_life_months": life_years * 12 if life_years else None,
            "depreciable": True if row.depreciable is None else row.depreciable,
            "measure_unit": row.measure_unit,
        }
        category = by_code.get(row.code)
        if category is None:
            category = Category(code=row.code, **wanted)
            category.full_clean()
            category.save()
            by_code[row.code] = category
            created += 1
            continue
        changed = [k for k, v in wanted.items() if getattr(category, k) != v]
        if changed:
            for k in changed:
                setattr(category, k, wanted[k])
            category.full_clean()
            category.save(update_fields=changed)
            updated += 1
        else:
            unchanged += 1
    return LoadResult(created, updated, unchanged)
