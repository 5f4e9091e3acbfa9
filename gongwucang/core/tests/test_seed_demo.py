"""`make demo` seeds the demo town with `manage.py seed_demo` (core.demo; each app's demo.py adds its
part). This runs the same commands on the test database and checks what the demo promises: every
login works and has something to do (warehouse/demo.py), every card has a ledger, the overdue loan
was lent before it fell due, and a second run changes nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gongwucang.assets.models import Asset
from gongwucang.core.dates import local_today
from gongwucang.core.demo import DEMO_PASSWORD
from gongwucang.core.management.commands.seed_demo import MIN_CARDS
from gongwucang.org.demo import DEMO_PERSONAS
from gongwucang.org.models import Region, User
from gongwucang.warehouse import selectors as warehouse_selectors
from gongwucang.workflow import selectors as workflow_selectors

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_what_the_demo_promises(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_categories", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo", stdout=out)  # as make demo does

    # Every persona printed for the visitor logs in through the real form with the demo password.
    for username, _what in DEMO_PERSONAS:
        assert username in out.getvalue()
        client = Client()
        response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        assert client.get(reverse("home")).status_code == 200, username

    # Each has something to do (warehouse/demo.py).
    def person(name: str) -> User:
        return User.objects.get(username=name)

    for approver in ("head", "supervisor", "finance"):
        assert workflow_selectors.pending_approvals(actor=person(approver)).exists(), approver
    for keeper in ("keeper", "keeper2"):
        assert workflow_selectors.work_orders(actor=person(keeper)).exists(), keeper
    assert workflow_selectors.draft_orders(actor=person("clerk")).exists()

    # Every card has its ledger; the school's loans were lent before they fell due, one is overdue.
    assert Asset.objects.count() >= MIN_CARDS
    assert not Asset.objects.annotate(n=Count("events")).filter(n=0).exists()
    school = person("clerk_school")
    assert warehouse_selectors.overdue_loans(actor=school, today=local_today()).exists()
    for loan in warehouse_selectors.loans(actor=school):
        due = dt.datetime.combine(loan.due_on, dt.time.min, tzinfo=timezone.get_current_timezone())
        assert loan.lent_at is not None and loan.lent_at < due, loan.order.order_no

    # A second run finds the region and changes nothing.
    cards, regions = Asset.objects.count(), Region.objects.count()
    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert "跳过" in again.getvalue()
    assert (Asset.objects.count(), Region.objects.count()) == (cards, regions)


def test_seed_demo_refuses_too_few_cards_and_creates_nothing():
    with pytest.raises(CommandError, match="至少需要 2000 张"):
        call_command("seed_demo", cards=300, stdout=io.StringIO())
    assert not Region.objects.exists() and not Asset.objects.exists()
