"""The main menu: every entry a person is shown opens for them (no menu entry leads to a 404)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from gongwucang.core.testing import World
from gongwucang.warehouse.testing import make_warehouses

pytestmark = pytest.mark.django_db


def menu_links(html: str) -> list[str]:
    sidebar = html[html.index('id="sidebar"') :]
    sidebar = sidebar[: sidebar.index("</nav>")]
    return re.findall(r'class="nav-link[^"]*" href="([^"]+)"', sidebar)


def test_every_menu_entry_opens_for_whoever_is_shown_it(client, world: World) -> None:  # type: ignore[no-untyped-def]
    make_warehouses(world)  # the keeper keeps two
    # The system administrator as the demo has one: a superuser, with the admin role and no unit
    # to register cards in; the menu shows what the role may do, not every page.
    world.admin.is_superuser = world.admin.is_staff = True
    world.admin.save()
    opened = 0
    for name, user in world.users.items():
        client.force_login(user)
        links = menu_links(client.get(reverse("home")).content.decode())
        if name != "nobody":
            assert links, name
        for url in links:
            assert client.get(url).status_code == 200, (name, url)
            opened += 1
    assert opened > 50
    client.force_login(world.admin)
    links = menu_links(client.get(reverse("home")).content.decode())
    assert reverse("assets:create") not in links and reverse("warehouse:stock") not in links


def test_a_person_without_a_role_is_told_why_the_site_is_empty(client, world: World) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.nobody)
    html = client.get(reverse("home")).content.decode()
    assert menu_links(html) == []
    assert 'data-testid="no-role"' in html and "请联系本单位资产管理员或系统管理员为您分配角色" in html
    client.force_login(world.clerk_sch)
    assert 'data-testid="no-role"' not in client.get(reverse("home")).content.decode()


def test_a_new_superuser_is_pointed_to_the_settings(client, world: World) -> None:  # type: ignore[no-untyped-def]
    """Right after `createsuperuser` (docs/operations.md) the administrator holds no role: the
    home page sends them to 系统设置, where units, people and roles are set up."""
    from gongwucang.core.testing import make_user

    root = make_user("root", None, is_staff=True, is_superuser=True)
    client.force_login(root)
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="no-role"' in html and f'href="{reverse("admin:index")}"' in html
    client.force_login(world.nobody)
    assert reverse("admin:index") + '">' not in client.get(reverse("home")).content.decode()
