"""The error pages a person can meet (templates/404.html, 403.html, 400.html, 403_csrf.html,
500.html): in Chinese (English through gettext), saying what happened and what to do next, instead
of Django's bare English "Not Found"."""

from __future__ import annotations

import pytest
from django.core.exceptions import BadRequest, PermissionDenied
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views import defaults

from gongwucang.core.testing import World, make_asset

pytestmark = pytest.mark.django_db


def test_another_units_card_is_a_404_that_says_what_to_do(client, world: World) -> None:  # type: ignore[no-untyped-def]
    theirs = make_asset(actor=world.clerk_oth, unit=world.OTH)
    client.force_login(world.clerk_sch)
    response = client.get(reverse("assets:detail", args=[theirs.pk]))
    html = response.content.decode()
    assert response.status_code == 404
    assert 'data-testid="error-404"' in html and "页面不存在" in html and "其他单位的资产和单据" in html
    assert theirs.asset_no not in html  # nothing of the card
    assert 'id="sidebar"' in html  # the menu is there to go on from


def test_an_unknown_address_is_a_chinese_404_before_logging_in(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode() and "Not Found" not in response.content.decode()


def test_an_expired_form_says_to_refresh_and_submit_again(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "clerk_sch", "password": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-testid="error-csrf"' in html and "刷新后再提交" in html
    assert "CSRF verification failed" not in html  # Django's own English page


def test_the_other_error_pages_render_without_a_database_or_a_user() -> None:
    request = RequestFactory().get("/")
    with translation.override("zh-hans"):
        assert "系统出错" in defaults.server_error(request).content.decode()
        assert "没有权限" in defaults.permission_denied(request, PermissionDenied()).content.decode()
        assert "请求无法处理" in defaults.bad_request(request, BadRequest()).content.decode()
    with translation.override("en"):
        page = defaults.server_error(request).content.decode()
        assert "系统出错" not in page and 'lang="en"' in page


def test_the_404_follows_the_language(client, world: World) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.clerk_sch)
    client.cookies["django_language"] = "en"
    html = client.get("/no-such-page/").content.decode()
    assert "页面不存在" not in html and 'lang="en"' in html
