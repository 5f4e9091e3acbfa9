"""Login, lockout after 5 failures (django-axes), password change with validators, logout, role switch."""

import pytest
from django.urls import reverse

from gongwucang.core.testing import PASSWORD
from gongwucang.org.domain.roles import Role
from gongwucang.org.services import membership_grant

pytestmark = pytest.mark.django_db


def test_login_and_logout(client, world):
    response = client.post(reverse("login"), {"username": world.clerk_sch.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_wrong_password_message_is_chinese(client, world):
    response = client.post(reverse("login"), {"username": world.clerk_sch.username, "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的用户名和密码" in response.content.decode()


def test_lockout_after_five_failures_even_with_the_right_password(client, world):
    username = world.clerk_sch.username
    for _ in range(5):
        client.post(reverse("login"), {"username": username, "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    response = client.post(
        reverse("login"), {"username": username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.2"
    )
    assert response.status_code == 429
    assert "账号已锁定" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302  # not logged in


def test_four_failures_do_not_lock(client, world):
    username = world.clerk_sch.username
    for _ in range(4):
        client.post(reverse("login"), {"username": username, "password": "wrong"})
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302


def test_password_change_applies_django_validators(client, world):
    client.force_login(world.clerk_sch)
    weak = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    html = weak.content.decode()
    assert weak.status_code == 200 and "这个密码太常见了" in html and "密码只包含数字" in html
    strong = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Qingshan-2026-zc", "new_password2": "Qingshan-2026-zc"},
    )
    assert strong.status_code == 302
    world.clerk_sch.refresh_from_db()
    assert world.clerk_sch.check_password("Qingshan-2026-zc")


def test_role_switch_changes_the_frame(client, world):
    user = world.clerk_sch
    second = membership_grant(user=user, unit=world.CLN, role=Role.UNIT_HEAD)
    client.force_login(user)
    assert "中心小学 · 资产管理员" in client.get(reverse("home")).content.decode()
    client.post(reverse("switch_role"), {"membership": second.pk, "next": "/"})
    assert "卫生院 · 单位负责人" in client.get(reverse("home")).content.decode()


def test_role_switch_refuses_someone_elses_membership(client, world):
    theirs = world.clerk_oth.memberships.get()
    client.force_login(world.clerk_sch)
    client.post(reverse("switch_role"), {"membership": theirs.pk, "next": "//evil.example"})
    assert "农服中心" not in client.get(reverse("home")).content.decode()


def test_admin_is_for_staff_only(client, world):
    client.force_login(world.finance)
    assert client.get("/admin/").status_code == 302
    world.admin.is_staff = True
    world.admin.is_superuser = True
    world.admin.save()
    client.force_login(world.admin)
    for url in [
        "/admin/",
        "/admin/org/unit/",
        "/admin/org/user/",
        "/admin/org/membership/",
        "/admin/assets/category/",
        "/admin/assets/assetevent/",
    ]:
        assert client.get(url).status_code == 200, url
