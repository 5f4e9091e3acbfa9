"""A virtual listing keeps the goods (and, until signature, the title) at the giving unit: its
people see the allocation or loan that takes their card — read only, in "本单位挂牌物品" and on the
order page — while any other unit still gets a 404. A physical item's giver has handed it over
and sees nothing; a card listed again by its new owner does not show the first giver the new
owner's orders."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from gongwucang.warehouse import services
from gongwucang.warehouse.testing import approve_all, stock_item
from gongwucang.workflow import services as wf
from gongwucang.workflow.exceptions import ActionNotAllowed
from gongwucang.workflow.models import OrderComment

pytestmark = pytest.mark.django_db


def client_for(user):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def sheet_rows(response) -> list[tuple]:  # type: ignore[no-untyped-def]
    """The data rows of a downloaded export (below its title and header rows)."""
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [row for row in book.active.iter_rows(min_row=3, values_only=True) if any(row)]


def request_item(world, item):  # type: ignore[no-untyped-def]
    [order] = services.allocation_request(actor=world.clerk_cln, pool_item_ids=[item.pk], purpose="办公使用")
    return order


def test_giving_unit_sees_the_allocation_of_its_virtual_listing_read_only(world, stores):
    item = stock_item(world, stores, physical=False, clerk=world.clerk_oth)  # 农服中心 lists a card
    order = request_item(world, item)  # 卫生院 asks for it
    detail = reverse("workflow:order_detail", args=[order.pk])
    for giver in (world.clerk_oth, world.head_oth):
        page = client_for(giver).get(detail)
        assert page.status_code == 200
        html = page.content.decode()
        assert order.order_no in html and 'name="text"' not in html  # no remark form
    assert (
        client_for(world.clerk_oth).get(reverse("workflow:order_print", args=[order.pk])).status_code == 200
    )
    with pytest.raises(ActionNotAllowed, match="只能查看"):
        wf.order_comment_add(actor=world.clerk_oth, order_id=order.pk, text="充电器在抽屉里")
    assert not OrderComment.objects.exists()
    # Another unit: still a 404, on the page and in the lists.
    assert client_for(world.clerk_sch).get(detail).status_code == 404
    assert (
        order.order_no not in client_for(world.clerk_sch).get(reverse("workflow:order_list")).content.decode()
    )
    # The giver's list of listed items names the order and where it stands; the order list has it.
    listed = client_for(world.clerk_oth).get(reverse("warehouse:listed")).content.decode()
    assert item.asset.asset_no in listed and order.order_no in listed
    assert order.order_no in client_for(world.clerk_oth).get(reverse("workflow:order_list")).content.decode()
    assert (
        item.asset.asset_no
        not in client_for(world.clerk_sch).get(reverse("warehouse:listed")).content.decode()
    )
    # Through dispatch and signature the giver keeps seeing it; it takes no part (no work, no inbox).
    approve_all(order, world)
    services.allocation_dispatch(actor=world.keeper, order_id=order.pk)
    services.allocation_acknowledge(actor=world.clerk_cln, order_id=order.pk, location="门诊楼")
    assert client_for(world.clerk_oth).get(detail).status_code == 200
    from gongwucang.workflow.selectors import inbox_count

    assert inbox_count(world.clerk_oth) == 0
    listed = client_for(world.clerk_oth).get(reverse("warehouse:listed")).content.decode()
    assert order.order_no in listed and "已调出" in listed and "已完成" in listed


def test_physical_giver_and_later_listings_see_nothing(world, stores):
    physical = stock_item(world, stores, physical=True, clerk=world.clerk_oth)
    first = request_item(world, physical)
    assert (
        client_for(world.clerk_oth).get(reverse("workflow:order_detail", args=[first.pk])).status_code == 404
    )
    # A virtual listing handed out to 卫生院, which lists the card again; 中心小学 asks for it.
    item = stock_item(world, stores, physical=False, clerk=world.clerk_oth)
    order = approve_all(request_item(world, item), world)
    services.allocation_dispatch(actor=world.keeper, order_id=order.pk)
    services.allocation_acknowledge(actor=world.clerk_cln, order_id=order.pk, location="门诊楼")
    again = services.intake_create(
        actor=world.clerk_cln,
        warehouse_id=stores.virtual.pk,
        source="over_standard",
        asset_ids=[item.asset_id],
        submit=True,
    )
    approve_all(again, world)
    services.intake_receive(
        actor=world.keeper,
        order_id=again.pk,
        decisions=[services.LineDecision(line_id=again.lines.get().pk, accept=True)],
    )
    relisted = item.asset.pool_items.get(status="in_stock")
    [later] = services.allocation_request(actor=world.clerk_sch, pool_item_ids=[relisted.pk], purpose="教研")
    assert (
        client_for(world.clerk_cln).get(reverse("workflow:order_detail", args=[later.pk])).status_code == 200
    )
    assert (
        client_for(world.clerk_oth).get(reverse("workflow:order_detail", args=[later.pk])).status_code == 404
    )
    assert (
        client_for(world.clerk_oth).get(reverse("workflow:order_detail", args=[order.pk])).status_code == 200
    )


def test_giving_unit_sees_the_loan_of_its_virtual_listing(world, stores):
    import datetime as dt

    from gongwucang.core.dates import local_today

    item = stock_item(world, stores, physical=False, clerk=world.clerk_oth)
    [loan] = services.loan_request(
        actor=world.clerk_cln,
        pool_item_ids=[item.pk],
        purpose="义诊活动",
        due_on=local_today() + dt.timedelta(days=7),
    )
    assert (
        client_for(world.clerk_oth).get(reverse("workflow:order_detail", args=[loan.pk])).status_code == 200
    )
    assert (
        client_for(world.clerk_sch).get(reverse("workflow:order_detail", args=[loan.pk])).status_code == 404
    )


def test_listed_page_needs_a_unit(world):
    assert client_for(world.users["nobody"]).get(reverse("warehouse:listed")).status_code == 404
    assert client_for(world.users["nobody"]).get(reverse("warehouse:listed_export")).status_code == 404


def test_the_listed_items_export_as_the_page_shows_them(world, stores):
    item = stock_item(world, stores, physical=False, clerk=world.clerk_oth, name="投影仪")
    order = request_item(world, item)
    html = client_for(world.clerk_oth).get(reverse("warehouse:listed")).content.decode()
    assert reverse("warehouse:listed_export") in html
    rows = sheet_rows(client_for(world.clerk_oth).get(reverse("warehouse:listed_export")))
    assert len(rows) == 1
    row = rows[0]
    assert (row[0], row[1], row[2], row[-2]) == (stores.virtual.name, item.asset.asset_no, "投影仪", "在库")
    assert row[6] is not None and row[7] == float(item.asset.book.original_value_fen) / 100  # listed, yuan
    assert row[-1] == f"{order.order_no} {world.CLN.name} 已提交"  # the order that asked for it
    # Another unit lists nothing; the file is there, empty.
    assert sheet_rows(client_for(world.clerk_sch).get(reverse("warehouse:listed_export"))) == []
