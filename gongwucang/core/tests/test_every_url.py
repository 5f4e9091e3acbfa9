"""Every URL of the project in one place: scoping as a property of the whole site, not of each app.

Each app's tests hold its own pages against every role of the test region. This file holds three
rules over the URL map itself, so that a view added later cannot slip past them:
- nobody reaches anything without logging in (only the login page and the language switch are
  open): GET and POST are sent to the login page, or refused (405), and nothing changes;
- another region's people — its admin and finance office included — get a 404 for every object of
  ours, on every URL that names one (GET and POST), and nothing changes. Within our own region, a
  card and an import are the owning unit's: an unrelated unit's clerk gets a 404 for them too;
- hostile input — wrong types, impossible dates, huge numbers, NUL characters, very long text —
  sent to every URL by the objects' own people is never a 500.
A URL that names an object must be listed in OBJECT_URLS with the object it names
(test_every_object_url_is_checked), or this file fails.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from gongwucang.accounting.models import Period, PostingRequest
from gongwucang.accounting.services import depreciation_post
from gongwucang.assets.models import Asset
from gongwucang.assets.services import asset_attach_file
from gongwucang.core.testing import World, make_asset, make_world
from gongwucang.spreadsheets.services import asset_import_upload
from gongwucang.warehouse import services as warehouse
from gongwucang.warehouse.models import PoolItem
from gongwucang.warehouse.testing import make_warehouses, stock_item
from gongwucang.workflow.models import Order
from gongwucang.workflow.services import order_attach_file

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
NOV = dt.date(2026, 11, 1)
# Reachable without logging in: the login form itself, and the language switch (it stores only
# the visitor's choice). Logging out needs no login either.
OPEN = {"login", "logout", "set_language"}
# The URL names that name an object → which of the region's objects they are checked with
# (workflow's order pages serve every order type: each is checked with all three).
ORDERS = ("intake", "allocation", "loan")
OBJECT_URLS: dict[str, tuple[str, ...]] = {
    "accounting:request": ("posting_request",),
    "accounting:period": ("period",),
    "accounting:period_export": ("period",),
    "accounting:period_close": ("period",),
    "accounting:period_reopen": ("period",),
    "accounting:card_schedule": ("card",),
    "accounting:card_schedule_export": ("card",),
    "accounting:card_workload": ("card",),
    "assets:detail": ("card",),
    "assets:edit": ("card",),
    "assets:attachment_upload": ("card",),
    "assets:attachment_download": ("card",),
    "spreadsheets:import_detail": ("import",),
    "spreadsheets:import_progress": ("import",),
    "spreadsheets:import_commit": ("import",),
    "spreadsheets:import_recheck": ("import",),
    "spreadsheets:import_errors": ("import",),
    "warehouse:item_detail": ("item",),
    "warehouse:item_request": ("item",),
    "warehouse:item_withdraw": ("item",),
    "warehouse:item_photo": ("item",),
    "warehouse:intake_edit": ("intake",),
    "warehouse:intake_receive": ("intake",),
    "warehouse:intake_receipt": ("intake",),
    "warehouse:allocation_edit": ("allocation",),
    "warehouse:allocation_dispatch": ("allocation",),
    "warehouse:allocation_acknowledge": ("allocation",),
    "warehouse:allocation_refuse": ("allocation",),
    "warehouse:allocation_handover": ("allocation",),
    "warehouse:loan_edit": ("loan",),
    "warehouse:loan_lend": ("loan",),
    "warehouse:loan_return": ("loan",),
    "warehouse:loan_extend": ("loan",),
    "workflow:order_detail": ORDERS,
    "workflow:order_print": ORDERS,
    "workflow:order_submit": ORDERS,
    "workflow:order_approve": ORDERS,
    "workflow:order_reject": ORDERS,
    "workflow:order_return": ORDERS,
    "workflow:order_cancel": ORDERS,
    "workflow:order_comment": ORDERS,
    "workflow:attachment_upload": ORDERS,
    "workflow:attachment_download": ("allocation",),
}
# Objects that belong to one unit even inside the region (the pool's items and orders are
# shared with the region by design; their own tests cover who sees which).
UNIT_PRIVATE = {"card", "import"}
# Everyone of the other region, from the broadest role down.
STRANGERS = ("admin", "finance", "auditor", "supervisor", "keeper", "clerk_sch", "head_oth", "nobody")
# Our own region's people who have nothing to do with the school.
NEIGHBOURS = ("keeper", "clerk_oth", "head_oth", "clerk_cln", "nobody")


def url_names() -> Iterator[tuple[str, URLPattern]]:
    """Every named URL of the site as (namespace:name, pattern), the admin's own left out (Django's,
    staff only)."""

    def walk(patterns: list[Any], namespace: str) -> Iterator[tuple[str, URLPattern]]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.app_name == "admin":
                    continue
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry.url_patterns, inner)
            elif entry.name:
                yield f"{namespace}{entry.name}", entry

    yield from walk(get_resolver().url_patterns, "")


def arguments(pattern: URLPattern) -> list[str]:
    return list(pattern.pattern.converters)


def url_for(name: str, objects: dict[str, Any], target: str) -> str:
    """The URL `name` filled in with the region's object `target` (a card's photo, say)."""
    kwargs: dict[str, Any] = {"pk": objects[target].pk}
    if name == "assets:attachment_download":
        kwargs["attachment_id"] = objects["card_photo"].pk
    if name == "workflow:attachment_download":
        kwargs["attachment_id"] = objects["order_file"].pk
    if name == "warehouse:item_photo":
        kwargs.update(source="asset", attachment_id=objects["item_photo"].pk)
    return reverse(name, kwargs=kwargs)


def state() -> dict[str, Any]:
    """What a request could change: the number of rows of every model of ours, and the status or
    version of the objects the URLs act on."""
    counts = {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model.__module__.startswith("gongwucang.")
    }
    return {
        "counts": counts,
        "cards": list(Asset.objects.order_by("pk").values_list("pk", "version", "status")),
        "orders": list(Order.objects.order_by("pk").values_list("pk", "status")),
        "items": list(PoolItem.objects.order_by("pk").values_list("pk", "status")),
        "periods": list(Period.objects.order_by("pk").values_list("pk", "status")),
    }


@pytest.fixture
def objects(world: World, settings, tmp_path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """One object of each kind in the test region, each as its own people would have it."""
    settings.MEDIA_ROOT = tmp_path
    stores = make_warehouses(world)
    card = make_asset(
        actor=world.clerk_sch, unit=world.SCH, useful_life_months=72, acquired_on=dt.date(2026, 3, 1)
    )
    card_photo = asset_attach_file(
        actor=world.clerk_sch, asset_id=card.pk, kind="photo", uploaded=SimpleUploadedFile("p.png", PNG)
    )
    item = stock_item(world, stores, name="投影仪")
    lent = stock_item(world, stores, name="折叠椅")
    wanted = stock_item(world, stores, name="文件柜")
    item_photo = asset_attach_file(
        actor=world.clerk_wh, asset_id=item.asset_id, kind="photo", uploaded=SimpleUploadedFile("i.png", PNG)
    )
    allocation = warehouse.allocation_request(
        actor=world.clerk_sch, pool_item_ids=[wanted.pk], purpose="新教室"
    )[0]
    loan = warehouse.loan_request(
        actor=world.clerk_sch, pool_item_ids=[lent.pk], purpose="运动会", due_on=dt.date(2027, 1, 10)
    )[0]
    order_file = order_attach_file(
        actor=world.clerk_sch, order_id=allocation.pk, kind="photo", uploaded=SimpleUploadedFile("o.png", PNG)
    )
    depreciation_post(actor=world.finance, region=world.region, month=NOV)
    imported = asset_import_upload(
        actor=world.clerk_sch,
        unit=world.SCH,
        uploaded=SimpleUploadedFile("台账.csv", "资产名称,原值\n笔记本电脑,5999\n".encode()),
    )
    return {
        "card": card,
        "card_photo": card_photo,
        "item": item,
        "item_photo": item_photo,
        "intake": Order.objects.get(lines__asset_id=item.asset_id, order_type="intake"),
        "allocation": allocation,
        "order_file": order_file,
        "loan": loan,
        "period": Period.objects.get(region=world.region, month=NOV),
        "posting_request": PostingRequest.objects.create(
            region=world.region, month=NOV, requested_by=world.finance, months_total=1
        ),
        "import": imported,
    }


def test_every_object_url_is_checked() -> None:
    """A new URL that names an object joins OBJECT_URLS (with the object it names) before it ships."""
    naming = {name for name, pattern in url_names() if arguments(pattern)}
    assert naming == set(OBJECT_URLS)


def test_nothing_opens_without_logging_in(client, objects) -> None:  # type: ignore[no-untyped-def]
    before = state()
    login = reverse("login")
    checked = 0
    for name, pattern in url_names():
        if name in OPEN:
            continue
        url = url_for(name, objects, OBJECT_URLS[name][0]) if arguments(pattern) else reverse(name)
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code in (302, 405), (name, method.__name__, response.status_code)
            if response.status_code == 302:
                assert response["Location"].startswith(login + "?next="), (name, response["Location"])
            checked += 1
    assert checked > 100  # every URL above, both ways
    assert state() == before


def _strangers_get_404(client, users, objects, targets) -> int:  # type: ignore[no-untyped-def]
    """Each user, GET and POST on every object URL of `targets`: 404 (405 where the method is
    not the URL's, which says nothing about the object); at least one of the two a 404."""
    checked = 0
    for user in users:
        client.force_login(user)
        for name, names_targets in OBJECT_URLS.items():
            for target in names_targets:
                if target not in targets:
                    continue
                url = url_for(name, objects, target)
                codes = [
                    client.get(url).status_code,
                    client.post(url, {"reason": "x", "comment": "x"}).status_code,
                ]
                assert set(codes) <= {404, 405} and 404 in codes, (user.username, name, target, codes)
                checked += 1
    return checked


def test_another_regions_people_get_404_for_each_of_our_objects(client, world, objects) -> None:  # type: ignore[no-untyped-def]
    elsewhere = make_world("330100002")
    make_warehouses(elsewhere)  # their keeper keeps warehouses of their own
    strangers = [getattr(elsewhere, role) for role in STRANGERS]
    before = state()
    checked = _strangers_get_404(client, strangers, objects, set(objects))
    assert checked == len(strangers) * sum(len(targets) for targets in OBJECT_URLS.values())
    assert state() == before


def test_a_units_cards_and_imports_are_404_to_unrelated_units(client, world, objects) -> None:  # type: ignore[no-untyped-def]
    neighbours = [getattr(world, role) for role in NEIGHBOURS]
    before = state()
    checked = _strangers_get_404(client, neighbours, objects, UNIT_PRIVATE)
    assert checked == len(neighbours) * sum(
        1 for targets in OBJECT_URLS.values() for target in targets if target in UNIT_PRIVATE
    )
    assert state() == before


def test_the_objects_are_there_for_their_own_people(client, world, objects) -> None:  # type: ignore[no-untyped-def]
    """The 404s above mean something only if the same URLs open for the people the objects are for."""
    client.force_login(world.clerk_sch)
    for name in ("assets:detail", "accounting:card_schedule", "spreadsheets:import_detail"):
        target = OBJECT_URLS[name][0]
        assert client.get(url_for(name, objects, target)).status_code == 200, name
    assert client.get(url_for("assets:attachment_download", objects, "card")).status_code == 200
    assert client.get(url_for("workflow:attachment_download", objects, "allocation")).status_code == 200
    assert client.get(url_for("warehouse:item_photo", objects, "item")).status_code == 200
    client.force_login(world.keeper)  # the warehouse's keeper handles all three orders
    for target in ORDERS:
        assert client.get(url_for("workflow:order_detail", objects, target)).status_code == 200, target
    client.force_login(world.finance)
    for name in ("accounting:period", "accounting:request"):
        assert client.get(url_for(name, objects, OBJECT_URLS[name][0])).status_code == 200, name


# Form fields and query parameters the site's views read, filled with what a broken browser, a
# stale page or a curious user might send: wrong types, impossible dates, out-of-range and
# negative numbers, NUL characters (PostgreSQL refuses them in text), 10,000-character text.
HOSTILE_POST = {
    "comment": "意见" * 5000,
    "reason": "\x00",
    "text": "",
    "purpose": "x" * 10000,
    "month": "2026-13",
    "mode": "no-such-mode",
    "asset": ["abc", "-1", "99999999999999999999"],
    "pool_item": ["abc", "0"],
    "line": "abc",
    "due_on": "2026-02-30",
    "new_due_on": "9999-99-99",
    "bin": "-1",
    "warehouse": "\x00",
    "department": "1.5",
    "custodian": "abc",
    "quantity": "-5",
    "original_value": "1e400",
    "accumulated_depreciation": "NaN",
    "category": "A02010108\x00",
    "name": "\x00",
    "kind": "../../etc/passwd",
    "condition": "shiny",
    "membership": "abc",
    "next": "//evil.example",
    "unit": "abc",
    "catch_up": "maybe",
    "form": "reading",
    "work_units": "-1",
    "total_units": "1e10",
}
HOSTILE_GET = {
    "page": "-1",
    "sort": "password",
    "status": "\x00",
    "q": "电脑\x00",
    "unit": "abc",
    "category": "'; DROP TABLE assets_asset; --",
    "warehouse": "1.5",
    "month": "2026-13",
    "region": "abc",
    "type": "no-such-type",
    "asset": "abc",
    "overdue": "2",
    "kind": "\x00",
    "available": "maybe",
    "cursor": "!!!",
}
# Who uses each object's URLs: the school's clerk and head, the warehouse's keeper, finance.
OWNERS = ("clerk_sch", "head_sch", "keeper", "finance")


def test_hostile_input_to_every_url_is_never_a_server_error(client, world, objects) -> None:  # type: ignore[no-untyped-def]
    """Bad input gets a clear answer — a form with its errors, a refusal, a redirect with a
    message, a 404 — never a 500: every URL, GET with hostile query parameters and POST with
    hostile fields, as each of the people the objects are for. (The test client re-raises a
    view's exception, so a 500 fails here with its traceback.)"""
    sent = 0
    for role in OWNERS:
        client.force_login(getattr(world, role))
        for name, pattern in url_names():
            if name in OPEN:
                continue
            targets = OBJECT_URLS[name] if arguments(pattern) else ("",)
            for target in targets:
                url = url_for(name, objects, target) if target else reverse(name)
                for response in (client.get(url, HOSTILE_GET), client.post(url, HOSTILE_POST)):
                    assert response.status_code < 500, (role, name, target, response.status_code)
                    sent += 1
    assert sent > 400
