"""In real Chromium: a clerk logs in, finds a card by pinyin initials, edits it and sees the ledger
entry; a clerk of another unit gets a 404 for the same card; sort headers and pages swap the table
in place and a search keeps the sort; the list works at 375 px."""

import pytest

from conftest import login
from gongwucang.core.testing import make_asset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_find_by_pinyin_edit_and_see_the_ledger(page, browser_context, world, live_server):
    laptop = make_asset(actor=world.clerk_sch, unit=world.SCH, name="笔记本电脑", model_spec="ThinkPad E14")
    make_asset(actor=world.clerk_sch, unit=world.SCH, name="办公桌", category_code="A05010100")

    login(page, world.clerk_sch.username)
    page.get_by_role("link", name="资产卡片").click()
    page.fill("#id_q", "bjb")
    page.get_by_role("button", name="查询").click()
    page.wait_for_selector("text=共 1 项")
    page.get_by_role("link", name=laptop.asset_no).click()
    page.get_by_role("link", name="编辑").click()
    page.fill("#id_location", "三楼信息中心")
    page.get_by_role("button", name="保存").click()
    page.wait_for_selector(f"text=资产 {laptop.asset_no} 已保存")
    timeline = page.locator("[data-testid=timeline]")
    assert "信息变更" in timeline.inner_text()
    assert "存放地点：— → 三楼信息中心" in timeline.inner_text().replace("\n", "")
    page.screenshot(path="var/screens/card-detail.png", full_page=True)

    other = browser_context.browser.new_context(base_url=live_server.url, locale="zh-CN")
    try:
        other_page = other.new_page()
        login(other_page, world.clerk_oth.username)
        response = other_page.goto(f"/assets/{laptop.pk}/")
        assert response.status == 404
        other_page.goto("/assets/?q=bjb")
        assert "共 0 项" in other_page.content()
    finally:
        other.close()


def test_sort_and_pages_swap_the_table_and_search_keeps_the_sort(page, world):
    for i in range(25):
        make_asset(actor=world.clerk_sch, unit=world.SCH, name=f"椅子{i:02d}", category_code="A05010301")
    make_asset(actor=world.clerk_sch, unit=world.SCH, name="笔记本电脑")
    login(page, world.clerk_sch.username)
    page.goto("/assets/")
    page.evaluate("window.__samePage = true")  # gone if the browser loads a new page
    page.locator("thead").get_by_role("link", name="资产名称").click()
    page.wait_for_url("**sort=name**")
    page.wait_for_selector("th[aria-sort=ascending]")
    page.get_by_role("link", name="下一页").click()
    page.wait_for_selector("text=第 2 页")
    assert page.evaluate("window.__samePage") is True
    # Back to the first page from the browser's history: the whole page again, not the table alone.
    page.go_back()
    page.wait_for_selector("th[aria-sort=ascending]")
    assert page.locator("header.navbar").count() == 1 and page.locator("#asset-filters").count() == 1
    # A search after the header click keeps the sort the header chose.
    page.fill("#id_q", "椅子")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**q=**")
    assert "sort=name" in page.url
    assert page.locator("tbody tr").first.inner_text().find("椅子00") >= 0
    assert page.evaluate("window.__samePage") is True


def test_list_and_menu_on_a_phone(_playwright_browser, live_server, world):
    make_asset(actor=world.clerk_sch, unit=world.SCH, name="笔记本电脑")
    context = _playwright_browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True
    )
    try:
        page = context.new_page()
        login(page, world.clerk_sch.username)
        page.goto("/assets/")
        page.screenshot(path="var/screens/list-375.png", full_page=True)
        # Nothing wider than the screen: the page does not scroll sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert not page.locator("#sidebar").is_visible() or page.locator("#sidebar").bounding_box()["x"] < 0
        page.get_by_role("button", name="打开菜单").click()
        page.locator("#sidebar").get_by_role("link", name="新增资产").click()
        page.wait_for_url("**/assets/new/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()
