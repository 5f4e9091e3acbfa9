import pytest

from conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_shows_home_with_role(page, world):
    login(page, world.clerk_sch.username)
    assert page.locator("[data-testid=active-role]").inner_text().strip() == "中心小学 · 资产管理员"
