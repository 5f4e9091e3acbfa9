"""The 公物仓 in a real browser (Playwright + Chromium), through the screens only:

1. a school clerk hands an idle laptop into the physical warehouse from the asset list; the head
   approves from the inbox; the keeper receives it into a bin; another unit's clerk finds it in
   the catalogue by pinyin initials and requests it; three approvers approve from their inboxes;
   the keeper dispatches; the clerk signs; the card shows the new owner and the whole trail;
2. the virtual warehouse with return-for-revision, resubmission, and a rejected request;
3. a loan from the basket: lent (and in the loans' Excel export), returned with a missing part,
   back in stock.
"""

from __future__ import annotations

import datetime as dt
import re

import openpyxl
import pytest

from conftest import login
from gongwucang.core.dates import local_today
from gongwucang.core.testing import make_asset
from gongwucang.warehouse.models import PoolItem
from gongwucang.warehouse.testing import approve_all, stock_item
from gongwucang.workflow import services as wf
from gongwucang.workflow.models import Order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def as_user(page, username):  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    login(page, username)


def approve_from_inbox(page, username, order_no, comment="同意"):  # type: ignore[no-untyped-def]
    as_user(page, username)
    page.goto("/workflow/")
    page.locator("[data-testid=approval-inbox]").get_by_role("link", name=order_no).click()
    page.locator("[data-testid=current-step]").wait_for()
    page.fill("#id_comment", comment)
    page.click("[data-testid=approve]")
    page.get_by_text(f"已同意单据 {order_no}").wait_for()


def order_no_on_page(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator("[data-testid=order-no]").inner_text().strip()


def test_laptop_into_the_pool_and_out_to_another_unit(page, world, stores):
    page.on("dialog", lambda dialog: dialog.accept())
    laptop = make_asset(
        actor=world.clerk_sch,
        unit=world.SCH,
        name="笔记本电脑",
        status="idle",
        brand="联想",
        model_spec="ThinkPad E14",
        original_value="6999.00",
    )

    # The school's clerk picks the laptop on the asset list and hands it in.
    as_user(page, "clerk_sch")
    page.goto("/assets/")
    page.check(f"input[name=asset][value='{laptop.pk}']")
    page.get_by_role("button", name="申请入仓").click()
    page.locator(f"#asset_{laptop.pk}").wait_for()
    assert page.is_checked(f"#asset_{laptop.pk}")
    page.select_option("#id_warehouse", str(stores.physical.pk))
    page.select_option("#id_source", "idle")
    page.click("[data-testid=intake-submit]")
    page.get_by_text("已提交审批").first.wait_for()
    intake_no = order_no_on_page(page)
    assert intake_no.startswith("RC-")

    # The head approves from the inbox; that is the only step for a laptop of this value.
    approve_from_inbox(page, "head_sch", intake_no)
    assert page.locator("[data-testid=order-status]").inner_text() == "已审批"

    # The keeper receives it into a bin; a receipt can be printed.
    as_user(page, "keeper")
    page.goto("/workflow/")
    page.locator("[data-testid=work-inbox]").get_by_role("link", name=intake_no).click()
    page.get_by_role("link", name="验收入仓").click()
    page.select_option("select[name^=condition_]", "good")
    page.select_option("select[name^=bin_]", str(stores.bins[1].pk))
    page.click("[data-testid=receive-submit]")
    page.get_by_text(f"入仓申请 {intake_no} 已验收").wait_for()
    assert page.locator("[data-testid=order-status]").inner_text() == "已完成"
    page.get_by_role("link", name="打印接收收据").click()
    receipt = page.locator("[data-testid=receipt]")
    assert "公物仓资产接收专用收据" in receipt.inner_text() and laptop.asset_no in receipt.inner_text()

    # Another unit's clerk finds it in the catalogue (pinyin initials) and requests it.
    as_user(page, "clerk_oth")
    page.goto("/warehouse/?q=bjb")
    page.locator("[data-testid=catalogue-item]", has_text=laptop.asset_no).get_by_role(
        "link", name="笔记本电脑"
    ).click()
    page.check("input[name=mode][value=allocation]")
    page.fill("#id_purpose", "新进人员办公")
    page.click("[data-testid=request-item]")
    page.get_by_text("已提交").first.wait_for()
    allocation_no = order_no_on_page(page)
    assert allocation_no.startswith("DB-")

    # Their head, the warehouse's keeper and finance (a cross-department move) approve.
    for approver in ("head_oth", "keeper", "finance"):
        approve_from_inbox(page, approver, allocation_no)
    assert page.locator("[data-testid=order-status]").inner_text() == "已审批"

    # The keeper dispatches; the clerk signs for it.
    as_user(page, "keeper")
    page.goto("/workflow/")
    page.locator("[data-testid=work-inbox]").get_by_role("link", name=allocation_no).click()
    page.get_by_role("link", name="出仓").click()
    page.click("[data-testid=dispatch-submit]")
    page.get_by_text(f"调拨单 {allocation_no} 已出仓").wait_for()

    as_user(page, "clerk_oth")
    page.goto("/workflow/")
    page.locator("[data-testid=work-inbox]").get_by_role("link", name=allocation_no).click()
    page.get_by_role("link", name="签收").click()
    page.select_option("#id_department", label="办公室")
    page.fill("#id_location", "综合楼2层")
    page.click("[data-testid=acknowledge-submit]")
    page.get_by_text(f"调拨单 {allocation_no} 已签收").wait_for()
    assert (
        page.locator("[data-testid=savings]").inner_text() == "¥6,999.00"
    )  # no standard loaded: original value

    # The card now belongs to the receiving unit and shows the whole trail.
    page.goto(f"/assets/{laptop.pk}/")
    assert page.locator("[data-testid=owner-unit]").inner_text() == world.OTH.name
    timeline = page.locator("[data-testid=timeline]").inner_text()
    for title in ("申请入仓", "入仓验收", "申请调剂", "出仓", "调剂签收"):
        assert title in timeline
    assert intake_no in timeline and allocation_no in timeline
    assert page.locator("[data-testid=original-value]").inner_text() == "¥6,999.00"

    # The handover form (调拨单) and the order's print view on a phone: a wide sheet scrolls
    # inside itself; the page does not scroll sideways, and headings are not one character a line.
    page.set_viewport_size({"width": 375, "height": 800})
    allocation = Order.objects.get(order_no=allocation_no)
    handover = f"/warehouse/allocation/{allocation.pk}/handover/"
    for url in (handover, f"/workflow/orders/{allocation.pk}/print/"):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, url
        heading = page.locator(".print-sheet thead th").nth(2)
        assert heading.bounding_box()["height"] < 40, url  # type: ignore[index]


def test_virtual_warehouse_with_return_for_revision_and_a_rejection(page, world, stores):
    page.on("dialog", lambda dialog: dialog.accept())
    printer = make_asset(
        actor=world.clerk_sch,
        unit=world.SCH,
        name="激光打印机",
        category_code="A02021000",
        status="in_use",
        original_value="1899.00",
    )
    other = make_asset(
        actor=world.clerk_sch,
        unit=world.SCH,
        name="碎纸机",
        category_code="A02021301",
        status="idle",
        original_value="650.00",
    )
    as_user(page, "clerk_sch")
    page.goto(f"/warehouse/intake/new/?asset={printer.pk}")
    page.select_option("#id_warehouse", str(stores.virtual.pk))
    page.select_option("#id_source", "over_standard")
    page.click("[data-testid=intake-submit]")
    page.get_by_text("已提交审批").first.wait_for()
    intake_no = order_no_on_page(page)

    # The head sends it back for revision with a reason.
    as_user(page, "head_sch")
    page.goto("/workflow/")
    page.get_by_role("link", name=intake_no).click()
    page.fill("#id_comment", "请把碎纸机一并移交")
    page.click("[data-testid=return]")
    page.get_by_text(f"已将单据 {intake_no} 退回修改").wait_for()

    # The clerk sees it in the to-do list, adds the shredder and resubmits.
    as_user(page, "clerk_sch")
    page.goto("/workflow/")
    page.locator("[data-testid=work-inbox]").get_by_role("link", name=intake_no).click()
    assert "请把碎纸机一并移交" in page.locator("[data-testid=approval-trail]").inner_text()
    page.get_by_role("link", name="修改").click()
    page.check(f"#asset_{other.pk}")
    page.click("[data-testid=intake-submit]")
    page.get_by_text(f"入仓申请 {intake_no} 已提交审批").wait_for()
    assert "第 2 轮" in page.locator("#trail-title").locator("..").inner_text()

    approve_from_inbox(page, "head_sch", intake_no)
    as_user(page, "keeper")
    page.goto(f"/workflow/orders/{Order.objects.get(order_no=intake_no).pk}/")
    page.get_by_role("link", name="验收入仓").click()
    assert page.locator("select[name^=bin_]").count() == 0  # a virtual warehouse has no bins
    page.click("[data-testid=receive-submit]")
    page.get_by_text(f"入仓申请 {intake_no} 已验收").wait_for()
    printer.refresh_from_db()
    assert (printer.owner_unit, printer.status) == (world.SCH, "in_warehouse")  # title stays

    # The clinic asks for the printer; its head rejects; the printer is offered again.
    as_user(page, "clerk_cln")
    page.goto("/warehouse/?kind=virtual")
    page.locator("[data-testid=catalogue-item]", has_text=printer.asset_no).get_by_role(
        "link", name="激光打印机"
    ).click()
    page.fill("#id_purpose", "门诊打印")
    page.click("[data-testid=request-item]")
    page.get_by_text("已提交").first.wait_for()
    request_no = order_no_on_page(page)
    as_user(page, "head_cln")
    page.goto("/workflow/")
    page.get_by_role("link", name=request_no).click()
    page.fill("#id_comment", "本单位打印机够用")
    page.click("[data-testid=reject]")
    page.get_by_text(f"已驳回单据 {request_no}").wait_for()
    assert page.locator("[data-testid=order-status]").inner_text() == "已驳回"
    as_user(page, "clerk_cln")
    page.goto("/warehouse/?available=on")
    assert page.locator("[data-testid=catalogue-item]", has_text=printer.asset_no).count() == 1


def test_loan_from_the_basket_lent_and_returned(page, world, stores, tmp_path):
    page.on("dialog", lambda dialog: dialog.accept())
    item = stock_item(world, stores, name="投影仪", category_code="A02021100", original_value="4200.00")
    as_user(page, "clerk_cln")
    page.goto("/warehouse/")
    page.locator("[data-testid=catalogue-item]", has_text=item.asset.asset_no).locator(
        "[data-testid=add-to-basket]"
    ).click()
    page.get_by_text(re.compile("已将 .* 加入申领篮")).wait_for()
    page.goto("/warehouse/basket/")
    page.check("input[name=mode][value=loan]")
    page.fill("#id_purpose", "健康义诊活动")
    page.fill("#id_due_on", (local_today() + dt.timedelta(days=5)).isoformat())
    page.click("[data-testid=checkout]")
    page.get_by_text("已提交审批").first.wait_for()
    loan_no = order_no_on_page(page)
    assert loan_no.startswith("JY-")
    approve_all(Order.objects.get(order_no=loan_no), world)  # the approvals are tested above

    as_user(page, "keeper")
    page.goto(f"/workflow/orders/{Order.objects.get(order_no=loan_no).pk}/")
    page.get_by_role("link", name="借出").click()
    page.click("[data-testid=lend-submit]")
    page.get_by_text(f"借用单 {loan_no} 已借出").wait_for()
    page.goto("/warehouse/loans/")
    assert loan_no in page.locator("[data-testid=loans]").inner_text()
    # The keeper takes the loans list to Excel (借用台账): the lent projector, its due date.
    with page.expect_download() as download_info:
        page.get_by_test_id("export").click()
    ledger = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(ledger)
    assert ledger.name.startswith("借用台账-借用中-")
    rows = list(openpyxl.load_workbook(ledger, read_only=True).active.iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[4], r[6], r[8].date()) for r in rows] == [
        (loan_no, item.asset.asset_no, 4200, local_today() + dt.timedelta(days=5))
    ]
    page.goto(f"/workflow/orders/{Order.objects.get(order_no=loan_no).pk}/")
    page.get_by_role("link", name="归还验收").click()
    page.select_option("select[name^=condition_]", "fair")
    page.fill("input[name^=note_]", "缺少遥控器")
    page.click("[data-testid=return-submit]")
    page.get_by_text(f"借用单 {loan_no} 已归还验收").wait_for()
    assert "缺少遥控器" in page.content()
    assert PoolItem.objects.get(pk=item.pk).status == "in_stock"
    item.asset.refresh_from_db()
    assert (item.asset.status, item.asset.condition) == ("in_warehouse", "fair")


def test_approving_on_a_phone(page, world, stores):
    """The head approves from the inbox at 375 px wide (UX.md: field tasks on a phone)."""
    page.set_viewport_size({"width": 375, "height": 800})
    asset = make_asset(actor=world.clerk_sch, unit=world.SCH, status="idle")
    from gongwucang.warehouse import services

    order = services.intake_create(
        actor=world.clerk_sch,
        warehouse_id=stores.physical.pk,
        source="idle",
        asset_ids=[asset.pk],
        submit=True,
    )
    approve_from_inbox(page, "head_sch", order.order_no)
    assert re.search("已审批", page.locator("[data-testid=order-status]").inner_text())
    assert wf.current_approval(Order.objects.get(pk=order.pk)) is None
