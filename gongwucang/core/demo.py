"""The demo region, seeded by `manage.py seed_demo`: each app adds its part in `<app>/demo.py`.

An app's demo module defines `ORDER` (lower runs first) and `seed(ctx)`. The context carries the
random generator (seeded, so a run is reproducible) and what earlier parts created.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from django.apps import apps

DEMO_REGION_CODE = "330182101"
DEMO_PASSWORD = "Gwc-demo-2026"  # noqa: S105 — the published demo password


@dataclass
class DemoContext:
    rng: random.Random
    cards: int
    region: Any = None
    units: dict[str, Any] = field(default_factory=dict)  # by unit code
    users: dict[str, Any] = field(default_factory=dict)  # by username
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (username, role, unit)
    extra: dict[str, Any] = field(default_factory=dict)
    log: Any = print


def demo_modules() -> list[ModuleType]:
    modules = []
    for config in apps.get_app_configs():
        if not config.name.startswith("gongwucang."):
            continue
        try:
            modules.append(importlib.import_module(f"{config.name}.demo"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
    return sorted((m for m in modules if hasattr(m, "seed")), key=lambda m: getattr(m, "ORDER", 100))
