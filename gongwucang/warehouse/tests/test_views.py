"""Every screen of the workflow and warehouse apps × every role of the test world: who sees it
(200), who is sent back with a reason (302, nothing changed), and for whom it does not exist
(404 — another unit's order, another region's item). Plus the main flows over HTTP."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from gongwucang.core.dates import local_today
from gongwucang.core.testing import make_asset, make_world
from gongwucang.warehouse import services
from gongwucang.warehouse.services import LineDecision
from gongwucang.warehouse.testing import approve_all, stock_item
from gongwucang.workflow.models import Order, OrderHistory

ROLES = [
    "clerk_sch",
    "head_sch",
    "supervisor",
    "finance",
    "auditor",
    "admin",
    "keeper",
    "clerk_cln",
    "head_cln",
    "clerk_oth",
    "clerk_wh",
    "nobody",
]
# Who may see an order filed by the school (its unit, its supervisor, the region's readers, the keeper).
SEES_SCHOOL_ORDER = {"clerk_sch", "head_sch", "supervisor", "finance", "auditor", "admin", "keeper"}
# The loan's item is listed in the virtual warehouse by 农服中心 (stock_item's default clerk): its
# people look on (read only) at the order that lends their card out.
LOOKS_ON_LOAN = {"clerk_oth"}


def sees(role: str, key: str) -> bool:
    return role in SEES_SCHOOL_ORDER or (key == "loan" and role in LOOKS_ON_LOAN)


@pytest.fixture
def scene(world, stores):  # type: ignore[no-untyped-def]
    """Orders of the school in several states, and a finished intake."""
    asset = make_asset(actor=world.clerk_sch, unit=world.SCH, status="idle")
    intake = services.intake_create(
        actor=world.clerk_sch,
        warehouse_id=stores.physical.pk,
        source="idle",
        asset_ids=[asset.pk],
        submit=True,
    )
    item = stock_item(world, stores)
    allocation = approve_all(
        services.allocation_request(actor=world.clerk_sch, pool_item_ids=[item.pk], purpose="教学")[0], world
    )
    loan_item = stock_item(world, stores, physical=False)
    loan = approve_all(
        services.loan_request(
            actor=world.clerk_sch,
            pool_item_ids=[loan_item.pk],
            purpose="活动",
            due_on=local_today() + dt.timedelta(days=7),
        )[0],
        world,
    )
    services.loan_lend(actor=world.keeper, order_id=loan.pk)
    done_asset = make_asset(actor=world.clerk_sch, unit=world.SCH, status="idle")
    done = approve_all(
        services.intake_create(
            actor=world.clerk_sch,
            warehouse_id=stores.physical.pk,
            source="idle",
            asset_ids=[done_asset.pk],
            submit=True,
        ),
        world,
    )
    services.intake_receive(
        actor=world.keeper,
        order_id=done.pk,
        decisions=[
            LineDecision(done.lines.get().pk, accept=True, condition="good", bin_id=stores.bins[0].pk)
        ],
    )
    return {"intake": intake, "allocation": allocation, "loan": loan, "done": done, "item": item}


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


# The read-only screens below loop over the roles inside one test: GETs change nothing, so one
# scene serves every role (a scene per role made these the slowest tests of the suite).


def test_lists_open_for_everyone(world, scene):
    for role in ROLES:
        client = client_for(getattr(world, role))
        for name in (
            "workflow:inbox",
            "workflow:done",
            "workflow:order_list",
            "workflow:notifications",
            "warehouse:catalogue",
            "warehouse:loans",
            "warehouse:warehouses",
            "warehouse:basket",
        ):
            assert client.get(reverse(name)).status_code == 200, (role, name)


def test_order_pages_are_404_outside_scope(world, scene):
    for role in ROLES:
        client = client_for(getattr(world, role))
        for key in ("intake", "allocation", "loan", "done"):
            order = scene[key]
            expected = 200 if sees(role, key) else 404
            assert client.get(reverse("workflow:order_detail", args=[order.pk])).status_code == expected, (
                role,
                key,
            )
            assert client.get(reverse("workflow:order_print", args=[order.pk])).status_code == expected, (
                role,
                key,
            )
        expected = 200 if role in SEES_SCHOOL_ORDER else 404
        receipt = reverse("warehouse:intake_receipt", args=[scene["done"].pk])
        assert client.get(receipt).status_code == expected, role
        handover = reverse("warehouse:allocation_handover", args=[scene["allocation"].pk])
        assert client.get(handover).status_code == expected, role


def test_order_list_shows_only_visible_orders(world, scene):
    for role in ROLES:
        content = client_for(getattr(world, role)).get(reverse("workflow:order_list")).content.decode()
        assert (scene["intake"].order_no in content) == (role in SEES_SCHOOL_ORDER), role


# (url name, order key, role → expected status): 200 the form, 302 refused with a message, 404 unseen.
WORK_PAGES = [
    ("warehouse:intake_receive", "intake", {"keeper": 302, "clerk_sch": 302}),  # not approved yet
    ("warehouse:intake_edit", "intake", {"clerk_sch": 302, "keeper": 302}),  # submitted: not editable
    ("warehouse:allocation_dispatch", "allocation", {"keeper": 200, "clerk_sch": 302, "finance": 302}),
    ("warehouse:allocation_acknowledge", "allocation", {"clerk_sch": 302, "keeper": 302}),  # not dispatched
    ("warehouse:allocation_refuse", "allocation", {"clerk_sch": 302, "keeper": 302}),  # not dispatched
    ("warehouse:allocation_edit", "allocation", {"clerk_sch": 302}),
    ("warehouse:loan_return", "loan", {"keeper": 200, "clerk_sch": 302, "auditor": 302}),
    ("warehouse:loan_extend", "loan", {"clerk_sch": 200, "keeper": 302, "head_sch": 302}),
    ("warehouse:loan_lend", "loan", {"keeper": 200, "clerk_sch": 302}),
]


@pytest.mark.parametrize(("name", "key", "expected"), WORK_PAGES)
def test_work_pages(world, scene, name, key, expected):
    for role in ROLES:
        response = client_for(getattr(world, role)).get(reverse(name, args=[scene[key].pk]))
        default = 302 if sees(role, key) else 404
        assert response.status_code == expected.get(role, default), role


# The school's clerk and head may act on the order (their POSTs change it: a scene each); for every
# other role nothing changes, so one scene serves them all.
ACTING = ["head_sch", "clerk_sch"]


@pytest.mark.parametrize("roles", [[r for r in ROLES if r not in ACTING], *[[r] for r in ACTING]])
def test_actions_outside_scope_are_404_and_wrong_role_changes_nothing(world, scene, roles):
    order = scene["intake"]  # submitted; the school's head is the current approver
    for role in roles:
        client = client_for(getattr(world, role))
        rows = OrderHistory.objects.count()
        for action in ("approve", "reject", "return", "cancel", "submit"):
            response = client.post(reverse(f"workflow:order_{action}", args=[order.pk]), {"comment": "x"})
            assert response.status_code == (302 if role in SEES_SCHOOL_ORDER else 404), (role, action)
            if role not in ACTING:
                assert OrderHistory.objects.count() == rows, (role, action)
                assert Order.objects.get(pk=order.pk).status == "submitted"


def test_catalogue_and_items_are_per_region(world, scene):
    other = make_world("330100002")
    item = scene["item"]
    client = client_for(other.clerk_sch)
    assert item.asset.asset_no not in client.get(reverse("warehouse:catalogue")).content.decode()
    assert client.get(reverse("warehouse:item_detail", args=[item.pk])).status_code == 404
    own = client_for(world.clerk_cln)
    assert own.get(reverse("warehouse:item_detail", args=[item.pk])).status_code == 200


def test_stock_and_forms_by_role(world, scene):
    assert client_for(world.keeper).get(reverse("warehouse:stock")).status_code == 200
    assert client_for(world.clerk_sch).get(reverse("warehouse:stock")).status_code == 404
    assert client_for(world.clerk_sch).get(reverse("warehouse:intake_create")).status_code == 200
    assert client_for(world.head_sch).get(reverse("warehouse:intake_create")).status_code == 404
    assert client_for(world.clerk_sch).get(reverse("warehouse:allocation_create")).status_code == 200
    assert client_for(world.auditor).get(reverse("warehouse:allocation_create")).status_code == 404


def test_a_keeper_whose_unit_runs_no_warehouse_yet_is_told_so(world):
    """The menu shows a keeper 库存管理; before any warehouse is set up it explains, not a 404."""
    response = client_for(world.keeper).get(reverse("warehouse:stock"))
    assert response.status_code == 200
    assert 'data-testid="no-warehouse"' in response.content.decode()
    assert client_for(world.keeper).get(reverse("warehouse:stock_export")).status_code == 404
    assert client_for(world.clerk_sch).get(reverse("warehouse:stock")).status_code == 404


def test_catalogue_search_by_pinyin_initials_and_filters(world, scene, stores):
    client = client_for(world.clerk_cln)
    item = scene["item"]  # 笔记本电脑 in the physical warehouse
    assert item.asset.asset_no in client.get(reverse("warehouse:catalogue"), {"q": "bjb"}).content.decode()
    assert (
        item.asset.asset_no not in client.get(reverse("warehouse:catalogue"), {"q": "dyj"}).content.decode()
    )
    physical = client.get(reverse("warehouse:catalogue"), {"kind": "physical"}).content.decode()
    assert item.asset.asset_no in physical
    virtual = client.get(reverse("warehouse:catalogue"), {"warehouse": stores.virtual.pk}).content.decode()
    assert item.asset.asset_no not in virtual
    # Requested by the school (open order): not offered as available.
    available = client.get(reverse("warehouse:catalogue"), {"available": "on"}).content.decode()
    assert item.asset.asset_no not in available


def test_basket_checkout_over_http(world, stores):
    item = stock_item(world, stores)
    client = client_for(world.clerk_cln)
    client.post(reverse("warehouse:basket_add"), {"item": item.pk})
    response = client.post(
        reverse("warehouse:basket"),
        {
            "mode": "loan",
            "purpose": "体检活动",
            "submit_now": "on",
            "due_on": (local_today() + dt.timedelta(days=3)).isoformat(),
        },
        follow=True,
    )
    order = Order.objects.get(order_type="loan", applicant_unit=world.CLN)
    assert order.status == "submitted"
    assert f"申请单 {order.order_no} 已提交审批" in response.content.decode()
    assert client.session["gwc_basket"] == []


def test_bulk_action_from_the_asset_list_opens_the_intake_form_with_the_cards(world, stores):
    a = make_asset(actor=world.clerk_sch, unit=world.SCH, status="idle")
    b = make_asset(actor=world.clerk_sch, unit=world.SCH, status="in_use")
    client = client_for(world.clerk_sch)
    page = client.post(reverse("warehouse:intake_create"), {"asset": [a.pk, b.pk]})
    assert page.status_code == 200
    html = page.content.decode()
    assert f'value="{a.pk}" data-bulk-item id="asset_{a.pk}" checked' in html
    response = client.post(
        reverse("warehouse:intake_create"),
        {
            "asset": [a.pk, b.pk],
            "warehouse": stores.virtual.pk,
            "source": "over_standard",
            "step": "submit",
            "document_kind": "transfer_list",
        },
        follow=True,
    )
    order = Order.objects.get(order_type="intake", applicant_unit=world.SCH)
    assert order.status == "submitted" and order.lines.count() == 2
    assert f"入仓申请 {order.order_no} 已提交审批" in response.content.decode()


def test_approval_from_the_inbox_over_http(world, scene):
    order = scene["intake"]
    client = client_for(world.head_sch)
    inbox = client.get(reverse("workflow:inbox")).content.decode()
    assert order.order_no in inbox
    page = client.get(reverse("workflow:order_detail", args=[order.pk])).content.decode()
    assert 'data-testid="approve"' in page and 'data-testid="current-step"' in page
    response = client.post(
        reverse("workflow:order_approve", args=[order.pk]), {"comment": "同意入仓"}, follow=True
    )
    assert f"已同意单据 {order.order_no}" in response.content.decode()
    # The clerk who filed it sees no approval buttons on their own order.
    assert (
        'data-testid="approve"'
        not in client_for(world.clerk_sch)
        .get(reverse("workflow:order_detail", args=[order.pk]))
        .content.decode()
    )


def test_reject_without_a_reason_is_refused_in_chinese(world, scene):
    order = scene["intake"]
    response = client_for(world.head_sch).post(
        reverse("workflow:order_reject", args=[order.pk]), {"comment": ""}, follow=True
    )
    assert "驳回时请填写意见" in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == "submitted"


def test_card_page_shows_the_pool_panel_and_the_intake_action(world, scene):
    order = scene["intake"]
    asset = order.lines.get().asset
    html = client_for(world.clerk_sch).get(reverse("assets:detail", args=[asset.pk])).content.decode()
    assert 'data-testid="pool-panel"' in html and order.order_no in html
    idle = make_asset(actor=world.clerk_sch, unit=world.SCH, status="idle")
    html = client_for(world.clerk_sch).get(reverse("assets:detail", args=[idle.pk])).content.decode()
    assert f"{reverse('warehouse:intake_create')}?asset={idle.pk}" in html


def test_card_panel_lists_only_the_orders_the_reader_may_see(world, scene):
    """Every role that may open a card sees the orders holding it that it may see, and only those;
    an open order it may not see is named as another unit's, without its number."""
    hidden_open = 0
    for key in ("intake", "allocation", "loan"):
        order = scene[key]
        asset = order.lines.first().asset
        for role in ROLES:
            response = client_for(world.users[role]).get(reverse("assets:detail", args=[asset.pk]))
            if response.status_code == 404:
                continue
            page = response.content.decode()
            # The panel only: the card's own ledger may name the order (its reference).
            panel = page[page.index('data-testid="pool-panel"') :].split("</section>", 1)[0]
            assert (order.order_no in panel) is sees(role, key), (key, role)
            if not sees(role, key) and order.lines.filter(is_open=True).exists():
                assert "其他单位的申请，正在办理" in panel, (key, role)
                hidden_open += 1
    assert hidden_open  # the case above was met: a reader of the card who may not see its order


def _badge(html: str) -> int:
    import re

    found = re.search(r'data-testid="inbox-count">\s*\S+ <span class="badge[^"]*">(\d+)</span>', html)
    assert found, "no inbox badge"
    return int(found.group(1))


@pytest.mark.parametrize("who", ["keeper", "head_sch", "clerk_sch"])
@pytest.mark.parametrize("page", ["home", "workflow:inbox"])
def test_inbox_badge_counts_from_the_items_the_page_read(world, scene, monkeypatch, who, page):
    """The home page's to-dos and the inbox list every waiting item when there are fewer than a
    page of them: the badge counts those instead of asking the database again. With more, it
    asks, and the number is the same as the selectors' count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gongwucang.workflow import ui, views
    from gongwucang.workflow.selectors import inbox_count

    user = getattr(world, who)
    expected = inbox_count(user)
    counted = 'SELECT COUNT(*) AS "__count" FROM "workflow_order'
    with CaptureQueriesContext(connection) as few:
        html = client_for(user).get(reverse(page)).content.decode()
    assert _badge(html) == expected
    assert not any(q["sql"].startswith(counted) for q in few.captured_queries)
    monkeypatch.setattr(ui, "TODO_ITEMS_PER_KIND", 1)
    monkeypatch.setattr(views, "INBOX_LIMIT", 1)
    with CaptureQueriesContext(connection) as many:
        html = client_for(user).get(reverse(page)).content.decode()
    assert _badge(html) == expected
    assert any(q["sql"].startswith(counted) for q in many.captured_queries) == (expected >= 1)


def test_card_never_in_an_order_has_no_pool_panel(world, scene):
    never = make_asset(actor=world.clerk_sch, unit=world.SCH)
    html = client_for(world.clerk_sch).get(reverse("assets:detail", args=[never.pk])).content.decode()
    assert 'data-testid="pool-panel"' not in html


def test_inbox_count_in_the_frame(world, scene):
    html = client_for(world.keeper).get(reverse("home")).content.decode()
    # The keeper has the allocation to dispatch and the loan's approval step is done: at least one.
    assert 'data-testid="inbox-count"' in html
    from gongwucang.workflow.selectors import inbox_count

    assert inbox_count(world.keeper) >= 1
    assert inbox_count(world.head_sch) == 1  # the intake waiting at their step


def _sheet_rows(response, header_row: int) -> list[tuple]:  # type: ignore[no-untyped-def]
    """The data rows of a downloaded export (below its header row), as tuples of cell values."""
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(book.active.iter_rows(min_row=header_row + 1, values_only=True))


def test_list_exports_hold_what_each_role_sees(world, scene):
    """Each list's 导出 Excel holds the rows of that list for that user: the order list and the
    loans for every role, the stock for the keepers (a 404 for everyone else, like the page)."""
    intake, loan = scene["intake"].order_no, scene["loan"].order_no
    item = scene["item"].asset.asset_no
    for role in ROLES:
        client = client_for(getattr(world, role))
        pool = client.get(reverse("warehouse:catalogue_export"))
        assert pool.status_code == 200, role
        page = client.get(reverse("warehouse:catalogue")).context["page"]
        assert [r[2] for r in _sheet_rows(pool, 2)] == [i.asset.asset_no for i in page.object_list], role
        assert (
            item in {r[2] for r in _sheet_rows(client.get(reverse("warehouse:catalogue_export")), 2)}
        ) == (role != "nobody"), role
        orders = client.get(reverse("workflow:order_list_export"))
        assert orders.status_code == 200, role
        assert (intake in {r[0] for r in _sheet_rows(orders, 1)}) == (role in SEES_SCHOOL_ORDER), role
        loans = client.get(reverse("warehouse:loans_export"))
        assert loans.status_code == 200, role
        assert (loan in {r[0] for r in _sheet_rows(loans, 2)}) == sees(role, "loan"), role
        page = client.get(reverse("warehouse:stock")).status_code
        assert client.get(reverse("warehouse:stock_export")).status_code == page, role


def test_order_list_export_follows_the_filters(world, scene):
    client = client_for(world.clerk_sch)
    filters = {"type": "loan", "status": "executing"}
    listing = client.get(reverse("workflow:order_list"), filters).content.decode()
    assert reverse("workflow:order_list_export") + "?type=loan&amp;status=executing" in listing
    rows = _sheet_rows(client.get(reverse("workflow:order_list_export"), {"type": "loan"}), 1)
    assert [r[0] for r in rows] == [scene["loan"].order_no]
    _number, kind, _title, applicant_unit, _person, handling_unit, total, status = rows[0][:8]
    assert (kind, status, applicant_unit) == ("借用", "执行中", world.SCH.name)
    assert handling_unit == world.WH.name
    assert total == scene["loan"].total_original_value_fen / 100  # a number in yuan, not text
    by_number = client.get(reverse("workflow:order_list_export"), {"q": scene["intake"].order_no})
    searched = _sheet_rows(by_number, 1)
    assert [r[0] for r in searched] == [scene["intake"].order_no]


def test_stock_export_is_the_keepers_stock_by_warehouse(world, scene, stores):
    client = client_for(world.keeper)
    listing = client.get(reverse("warehouse:stock"), {"warehouse": stores.virtual.pk}).content.decode()
    assert f"{reverse('warehouse:stock_export')}?warehouse={stores.virtual.pk}" in listing
    everything = _sheet_rows(client.get(reverse("warehouse:stock_export")), 2)
    page = client.get(reverse("warehouse:stock")).context["page"]
    assert [r[2] for r in everything] == [item.asset.asset_no for item in page.object_list]
    item = scene["item"]  # requested by the school: held by its allocation order
    row = next(r for r in everything if r[2] == item.asset.asset_no)
    assert row[0] == stores.physical.name and row[1] == stores.bins[0].code
    assert row[8] == item.asset.book.original_value_fen / 100 and row[12] == "已被申请"
    virtual = _sheet_rows(client.get(reverse("warehouse:stock_export"), {"warehouse": stores.virtual.pk}), 2)
    assert {r[0] for r in virtual} == {stores.virtual.name}
    assert [r[12] for r in virtual] == ["借出中"]  # the lent item, in the words of its tag on the page


def test_loans_export_counts_days_overdue(world, scene):
    from gongwucang.warehouse.exports import loan_rows
    from gongwucang.warehouse.selectors import loan_lines, loans

    loan = scene["loan"].loan
    lines = loan_lines(loans(actor=world.keeper))
    assert [r[9] for r in loan_rows(lines, today=loan.due_on)] == [0]
    late = loan_rows(lines, today=loan.due_on + dt.timedelta(days=3))
    lent = scene["loan"].lines.get().asset
    assert [(r[0], r[4], r[5], r[8], r[9]) for r in late] == [
        (scene["loan"].order_no, lent.asset_no, lent.name, loan.due_on, 3)
    ]
    client = client_for(world.keeper)
    assert _sheet_rows(client.get(reverse("warehouse:loans_export"), {"overdue": "1"}), 2) == []
    listing = client.get(reverse("warehouse:loans"), {"overdue": "1"}).content.decode()
    assert reverse("warehouse:loans_export") + "?overdue=1" in listing


def test_catalogue_export_follows_the_filters_and_the_region(world, scene, stores):
    client = client_for(world.clerk_cln)
    listing = client.get(reverse("warehouse:catalogue"), {"q": "bjb", "kind": "physical"}).content.decode()
    assert reverse("warehouse:catalogue_export") + "?q=bjb&amp;kind=physical" in listing
    item = scene["item"]  # 笔记本电脑 in the physical warehouse, requested by the school
    found = _sheet_rows(
        client.get(reverse("warehouse:catalogue_export"), {"q": "bjb", "kind": "physical"}), 2
    )
    assert item.asset.asset_no in [r[2] for r in found]
    assert {r[0] for r in found} == {stores.physical.name}
    available = _sheet_rows(client.get(reverse("warehouse:catalogue_export"), {"available": "on"}), 2)
    assert item.asset.asset_no not in [r[2] for r in available] and {r[12] for r in available} <= {"可申领"}
    other = client_for(make_world("330100002").clerk_sch)
    assert _sheet_rows(other.get(reverse("warehouse:catalogue_export")), 2) == []


def test_the_order_history_names_a_status_change_only_when_there_is_one(world, scene):
    """An approval in the middle of the chain leaves the order 审批中: its history says 同意, not
    “审批中 → 审批中”; the step that finishes the approval says “审批中 → 已审批”."""
    allocation = scene["allocation"]  # head, keeper and finance approved it, one after the other
    html = (
        client_for(world.clerk_sch)
        .get(reverse("workflow:order_detail", args=[allocation.pk]))
        .content.decode()
    )
    history = html[html.index('data-testid="order-history"') :]
    history = history[: history.index("</ol>")]
    assert "审批中 → 审批中" not in history
    assert "审批中 → 已审批" in history and "已提交 → 审批中" in history
