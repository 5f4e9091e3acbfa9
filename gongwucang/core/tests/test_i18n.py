"""English as the second language: the catalogue in locale/en is complete and compiled, and a user who
switches to English sees the home page and the asset list in English (and Chinese again after
switching back). msgids are the Chinese strings themselves."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from gongwucang.core.testing import make_asset

LOCALE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"

# The main menu and page labels in Chinese, and their English names from the glossary.
CHINESE_MENU = ["资产管理", "资产卡片", "公物仓目录", "审批中心", "我的待办"]


def _entries(text: str) -> list[dict[str, object]]:
    """A small .po reader: each entry's msgid, msgstr(s) and flags (the header is skipped)."""
    entries: list[dict[str, object]] = []
    current: dict[str, object] | None = None
    key = ""

    def unquote(s: str) -> str:
        return s.strip()[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            if current is not None:
                entries.append(current)
            current = None
            continue
        if line.startswith("#~"):  # obsolete entries are not part of the catalogue
            continue
        if current is None:
            current = {"flags": set(), "msgid": "", "msgstr": []}
        if line.startswith("#,"):
            current["flags"] = {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid_plural "):
            key = "msgid_plural"
            current[key] = unquote(line[len("msgid_plural ") :])
        elif line.startswith("msgid "):
            key = "msgid"
            current[key] = unquote(line[len("msgid ") :])
        elif line.startswith("msgstr"):
            key = "msgstr"
            value = line.split(" ", 1)[1]
            current["msgstr"].append(unquote(value))  # type: ignore[attr-defined]
        elif line.startswith('"'):
            if key == "msgstr":
                current["msgstr"][-1] += unquote(line)  # type: ignore[index]
            else:
                current[key] = str(current[key]) + unquote(line)
    if current is not None:
        entries.append(current)
    return [e for e in entries if e["msgid"]]


def test_catalogue_is_complete() -> None:
    entries = _entries(PO.read_text(encoding="utf-8"))
    assert len(entries) > 500
    header = PO.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert "#, fuzzy" not in header
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"])]  # type: ignore[arg-type]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]  # type: ignore[operator]
    assert untranslated == []
    assert fuzzy == []
    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
    for e in entries:
        for msgstr in e["msgstr"]:  # type: ignore[attr-defined]
            assert set(placeholder.findall(msgstr)) == set(placeholder.findall(str(e["msgid"]))), e["msgid"]


def test_catalogue_is_compiled_and_current() -> None:
    """The .mo is committed (the demo runs without gettext) and not older than the .po."""
    assert MO.exists()
    assert MO.stat().st_size > 1000
    with translation.override("en"):
        assert translation.gettext("资产卡片列表") == "Asset cards"
        assert translation.gettext("原值") == "Original value"
        assert translation.gettext("公物仓") == "Warehouse"
    if shutil.which("msgfmt"):
        result = subprocess.run(
            ["msgfmt", "--check", "-o", "/dev/null", str(PO)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_english_home_and_asset_list(client, world) -> None:  # type: ignore[no-untyped-def]
    make_asset(actor=world.clerk_sch, unit=world.SCH, name="笔记本电脑")
    client.force_login(world.clerk_sch)

    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302

    home = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in home
    for english in ["Assets", "Asset cards", "Asset clerk", "My to-dos", "Log out"]:
        assert english in home, english
    for chinese in CHINESE_MENU:
        assert chinese not in home, chinese

    assets = client.get(reverse("assets:list")).content.decode()
    for english in ["Asset number", "Asset name", "Original value", "In use", "Mark as idle"]:
        assert english in assets, english
    for chinese in ["资产编号", "资产名称", "原值", "资产卡片列表", "资产管理"]:
        assert chinese not in assets, chinese
    assert "笔记本电脑" in assets  # data stays as entered

    client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("home")})
    home = client.get(reverse("home")).content.decode()
    assert '<html lang="zh-hans">' in home
    for chinese in CHINESE_MENU[:2]:
        assert chinese in home, chinese
    assert "Asset cards" not in home


@pytest.mark.django_db
def test_language_cookie_alone_switches(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.keeper)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    home = client.get(reverse("home")).content.decode()
    assert "Keeper" in home
    assert "Warehouse" in home
    assert "仓管员" not in home


@pytest.mark.django_db
def test_messages_and_refusals_follow_the_language(client, world) -> None:  # type: ignore[no-untyped-def]
    """Flash messages from views and refusals raised in the domain come out in English too."""
    from gongwucang.workflow.domain.statuses import TransitionError, targets

    client.force_login(world.clerk_sch)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.post(reverse("assets:bulk_idle"), {}, follow=True).content.decode()
    assert "First tick the assets to mark as idle" in html
    assert "请先勾选要标记为闲置的资产" not in html
    with translation.override("en"), pytest.raises(TransitionError, match='The order is "Draft"'):
        targets("intake", "draft", "approve")
    with translation.override("zh-hans"), pytest.raises(TransitionError, match="单据当前状态为「草稿」"):
        targets("intake", "draft", "approve")
