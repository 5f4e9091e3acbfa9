"""Demo region, approval centre: the default approval flows, and e-mail addresses for the demo
logins so that, once the demo runs, every notification also shows as an e-mail on the console."""

from __future__ import annotations

from gongwucang.core.demo import DemoContext
from gongwucang.org.models import User

from .services import approval_flows_load_defaults

ORDER = 40

PERSONAS = [
    "clerk",
    "head",
    "clerk_school",
    "supervisor",
    "supervisor_zf",
    "finance",
    "keeper",
    "keeper2",
    "auditor",
    "admin",
]


def seed(ctx: DemoContext) -> None:
    approval_flows_load_defaults()
    # Demo data only: the org app has no service for a person's contact details yet.
    for username in PERSONAS:
        User.objects.filter(username=username, email="").update(email=f"{username}@qingshan.example.cn")
