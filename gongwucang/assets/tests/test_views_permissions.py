"""Who may open which page: every URL of the asset register × every role, including the 404s.

Another unit's card must not exist for a user: 404 on its page, its edit form, its files, its bulk
action — and it never appears in a list or a search.
"""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gongwucang.assets.models import AssetAttachment
from gongwucang.assets.services import asset_attach_file
from gongwucang.core.testing import make_asset

pytestmark = pytest.mark.django_db

ROLES = [
    "clerk_sch",
    "head_sch",
    "supervisor",
    "finance",
    "auditor",
    "admin",
    "keeper",
    "clerk_oth",
    "nobody",
    "anonymous",
]
READERS_OF_SCH = {"clerk_sch", "head_sch", "supervisor", "finance", "auditor", "admin"}
WRITERS_OF_SCH = {"clerk_sch"}
WRITERS_ANYWHERE = {"clerk_sch", "keeper", "clerk_oth"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def card(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    asset = make_asset(actor=world.clerk_sch, unit=world.SCH, name="笔记本电脑")
    asset_attach_file(
        actor=world.clerk_sch, asset_id=asset.pk, kind="photo", uploaded=SimpleUploadedFile("p.png", PNG)
    )
    return asset


def client_for(client, world, role):
    if role != "anonymous":
        client.force_login(getattr(world, role))
    return client


def expect(role, allowed, ok=200):
    if role == "anonymous":
        return 302
    return ok if role in allowed else 404


@pytest.mark.parametrize("role", ROLES)
def test_card_detail(client, world, card, role):
    response = client_for(client, world, role).get(reverse("assets:detail", args=[card.pk]))
    assert response.status_code == expect(role, READERS_OF_SCH)
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
def test_card_edit_form(client, world, card, role):
    response = client_for(client, world, role).get(reverse("assets:edit", args=[card.pk]))
    assert response.status_code == expect(role, WRITERS_OF_SCH)


@pytest.mark.parametrize("role", ROLES)
def test_card_edit_post(client, world, card, role):
    response = client_for(client, world, role).post(reverse("assets:edit", args=[card.pk]), {"name": "x"})
    assert response.status_code == expect(role, WRITERS_OF_SCH)  # 200: the form with its errors


@pytest.mark.parametrize("role", ROLES)
def test_create_form(client, world, role):
    response = client_for(client, world, role).get(reverse("assets:create"))
    assert response.status_code == expect(role, WRITERS_ANYWHERE)


@pytest.mark.parametrize("role", ROLES)
def test_list_shows_only_visible_cards(client, world, card, role):
    theirs = make_asset(actor=world.clerk_oth, unit=world.OTH, name="笔记本电脑")
    response = client_for(client, world, role).get(reverse("assets:list"), {"q": "bjb"})
    if role == "anonymous":
        assert response.status_code == 302
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert (card.asset_no in html) == (role in READERS_OF_SCH)
    assert (theirs.asset_no in html) == (role in {"clerk_oth", "finance", "auditor", "admin"})


@pytest.mark.parametrize("role", ROLES)
def test_bulk_idle(client, world, card, role):
    response = client_for(client, world, role).post(reverse("assets:bulk_idle"), {"asset": [card.pk]})
    assert response.status_code == expect(role, WRITERS_OF_SCH)


@pytest.mark.parametrize("role", ROLES)
def test_attachment_download(client, world, card, role):
    attachment = AssetAttachment.objects.get(asset=card)
    url = reverse("assets:attachment_download", args=[card.pk, attachment.pk])
    response = client_for(client, world, role).get(url)
    assert response.status_code == expect(role, READERS_OF_SCH)
    if response.status_code == 200:
        assert b"".join(response.streaming_content) == PNG


@pytest.mark.parametrize("role", ROLES)
def test_attachment_upload(client, world, card, role):
    url = reverse("assets:attachment_upload", args=[card.pk])
    response = client_for(client, world, role).post(
        url, {"kind": "photo", "file": SimpleUploadedFile("q.png", PNG)}
    )
    assert response.status_code == expect(role, WRITERS_OF_SCH, ok=302)
    assert AssetAttachment.objects.filter(asset=card).count() == (2 if role in WRITERS_OF_SCH else 1)


def test_attachment_of_another_card_is_404_even_with_a_visible_card(client, world, card):
    theirs = make_asset(actor=world.clerk_oth, unit=world.OTH)
    other_file = asset_attach_file(
        actor=world.clerk_oth, asset_id=theirs.pk, kind="photo", uploaded=SimpleUploadedFile("o.png", PNG)
    )
    client.force_login(world.clerk_sch)
    url = reverse("assets:attachment_download", args=[card.pk, other_file.pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_home(client, world, card, role):
    response = client_for(client, world, role).get(reverse("home"))
    if role == "anonymous":
        assert response.status_code == 302
        return
    assert response.status_code == 200
    count = re.search(r'data-testid="count-in_use">(\d+)<', response.content.decode())
    assert count is not None
    assert int(count.group(1)) == (1 if role in READERS_OF_SCH else 0)


def test_every_assets_url_is_in_this_matrix():
    """A new asset view must be added here (with its roles) before it ships."""
    from gongwucang.assets import urls

    tested = {"list", "create", "bulk_idle", "detail", "edit", "attachment_upload", "attachment_download"}
    assert {p.name for p in urls.urlpatterns} == tested
