"""In real Chromium: finance posts November with the button (background task, progress in the
page), reviews the 折旧明细, closes the month after confirming; a clerk tries the calculator on a
card's page (htmx); the period pages work at 375 px."""

import datetime as dt

import pytest

from conftest import login
from gongwucang.accounting.models import DepreciationEntry, Period
from gongwucang.accounting.services import depreciation_post
from gongwucang.core.testing import make_asset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
D = dt.date


def test_finance_posts_reviews_and_closes(page, world):
    make_asset(
        actor=world.clerk_sch,
        unit=world.SCH,
        name="台式计算机",
        original_value="5999.00",
        acquired_on=D(2026, 3, 15),
        useful_life_months=72,
    )
    make_asset(
        actor=world.clerk_oth,
        unit=world.OTH,
        name="打印机",
        original_value="1200.00",
        acquired_on=D(2026, 3, 15),
        useful_life_months=12,
        category_code="A02021000",
    )

    login(page, world.finance.username)
    page.get_by_role("link", name="折旧与结账").first.click()
    page.fill("#id_month", "2026-11")
    page.get_by_role("button", name="计提折旧").click()
    page.wait_for_selector("[data-testid=progress][data-status=succeeded]")
    assert "2 张卡片" in page.locator("[data-testid=progress]").inner_text()
    page.get_by_role("link", name="2026-11").click()
    entries = page.locator("[data-testid=entries]").inner_text()
    assert "台式计算机" in entries and "¥83.32" in entries and "¥100.00" in entries
    page.screenshot(path="var/screens/depreciation-period.png", full_page=True)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("close").click()
    page.wait_for_selector("text=会计期间 2026-11 已结账")
    assert Period.objects.get(month=D(2026, 11, 1)).status == "closed"
    assert DepreciationEntry.objects.count() == 2


def test_calculator_on_the_card_page(page, world):
    card = make_asset(
        actor=world.clerk_sch,
        unit=world.SCH,
        name="台式计算机",
        original_value="5999.00",
        acquired_on=D(2026, 3, 15),
        useful_life_months=72,
    )
    login(page, world.clerk_sch.username)
    page.goto(f"/assets/{card.pk}/")
    panel = page.locator("[data-testid=depreciation-panel]")
    panel.locator("summary").click()
    panel.locator("input[name=left]").fill("2027-06-05")
    panel.get_by_role("button", name="计算").click()
    page.wait_for_selector("#card-calculator-result [data-testid=calculator-summary]")
    summary = page.locator("#card-calculator-result [data-testid=calculator-summary]").inner_text()
    assert "共 15 个月" in summary and "2027-05" in summary
    assert page.url.endswith(f"/assets/{card.pk}/")  # htmx: the card page stays


def test_period_pages_on_a_phone(_playwright_browser, live_server, world):
    make_asset(
        actor=world.clerk_sch,
        unit=world.SCH,
        name="台式计算机",
        original_value="5999.00",
        acquired_on=D(2026, 3, 15),
        useful_life_months=72,
    )
    depreciation_post(actor=world.finance, region=world.region, month=D(2026, 11, 1))
    period = Period.objects.get(month=D(2026, 11, 1))
    context = _playwright_browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True
    )
    try:
        page = context.new_page()
        login(page, world.finance.username)
        for url in (
            "/accounting/",
            f"/accounting/periods/{period.pk}/",
            "/accounting/summary/",
            "/accounting/calculator/?cost=5999.00&life_months=72&added=2026-03-15",
        ):
            page.goto(url)
            assert page.evaluate("document.documentElement.scrollWidth") <= 375, url
        page.screenshot(path="var/screens/depreciation-calculator-375.png", full_page=True)
    finally:
        context.close()
