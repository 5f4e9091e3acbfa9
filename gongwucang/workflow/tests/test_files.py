"""Files saved inside a transaction that rolls back are deleted (no orphans on disk): a real
failing transaction, a real storage directory (MEDIA_ROOT = tmp_path)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse

from gongwucang.core.testing import make_asset
from gongwucang.warehouse import services
from gongwucang.warehouse.testing import approve_all, make_warehouses
from gongwucang.workflow import services as wf
from gongwucang.workflow.files import atomic_with_files
from gongwucang.workflow.models import OrderAttachment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n" + b"0" * 64


@pytest.fixture
def media(settings, tmp_path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def files_in(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture
def approved_intake(world):  # type: ignore[no-untyped-def]
    stores = make_warehouses(world)
    asset = make_asset(actor=world.clerk_sch, unit=world.SCH, status="idle")
    order = services.intake_create(
        actor=world.clerk_sch,
        warehouse_id=stores.physical.pk,
        source="idle",
        asset_ids=[asset.pk],
        submit=True,
    )
    return approve_all(order, world), stores


def test_a_committed_attachment_keeps_its_file(world, media, approved_intake):
    order, _stores = approved_intake
    att = wf.order_attach_file(
        actor=world.keeper, order_id=order.pk, kind="photo", uploaded=SimpleUploadedFile("a.png", PNG)
    )
    assert files_in(media) == [media / att.file.name]
    assert (media / att.file.name).read_bytes() == PNG


def test_photo_saved_then_the_transaction_fails_leaves_no_file(world, media, approved_intake):
    """The keeper's receipt: photos saved, then the receipt fails (no bin chosen) — the photos'
    rows are rolled back, and so are their files."""
    order, _stores = approved_intake
    line = order.lines.get()
    with pytest.raises(ValidationError, match="库位"), atomic_with_files():
        for name in ("front.png", "back.png"):
            wf.order_attach_file(
                actor=world.keeper,
                order_id=order.pk,
                kind="photo",
                uploaded=SimpleUploadedFile(name, PNG),
                line_id=line.pk,
            )
        assert len(files_in(media)) == 2  # really written meanwhile
        services.intake_receive(
            actor=world.keeper,
            order_id=order.pk,
            decisions=[services.LineDecision(line_id=line.pk, accept=True, condition="good", bin_id=None)],
        )
    assert files_in(media) == []
    assert not OrderAttachment.objects.filter(order=order).exists()


def test_nested_success_then_outer_failure_deletes_the_file(world, media, approved_intake):
    order, _stores = approved_intake

    class Boom(Exception):
        pass

    with pytest.raises(Boom), atomic_with_files():
        with atomic_with_files():  # e.g. the service's own block: succeeds
            wf.order_attach_file(
                actor=world.keeper,
                order_id=order.pk,
                kind="photo",
                uploaded=SimpleUploadedFile("a.png", PNG),
            )
        assert len(files_in(media)) == 1
        raise Boom
    assert files_in(media) == []


def test_set_rollback_without_an_exception_deletes_the_file(world, media, approved_intake):
    order, _stores = approved_intake
    with atomic_with_files():
        wf.order_attach_file(
            actor=world.keeper, order_id=order.pk, kind="photo", uploaded=SimpleUploadedFile("a.png", PNG)
        )
        transaction.set_rollback(True)
    assert files_in(media) == []
    assert not OrderAttachment.objects.filter(order=order).exists()


def test_receipt_over_http_that_fails_leaves_no_photo(world, media, approved_intake):
    order, stores = approved_intake
    line = order.lines.get()
    client = Client()
    client.force_login(world.keeper)
    url = reverse("warehouse:intake_receive", args=[order.pk])
    response = client.post(
        url,
        {
            f"decision_{line.pk}": "accept",
            f"condition_{line.pk}": "good",
            f"bin_{line.pk}": "",  # no bin: the receipt fails after the photo was saved
            f"photo_{line.pk}": SimpleUploadedFile("photo.png", PNG, content_type="image/png"),
        },
    )
    assert response.status_code == 200  # the form again, with the reason
    assert files_in(media) == []
    assert not OrderAttachment.objects.exists()
    response = client.post(
        url,
        {
            f"decision_{line.pk}": "accept",
            f"condition_{line.pk}": "good",
            f"bin_{line.pk}": str(stores.bins[0].pk),
            f"photo_{line.pk}": SimpleUploadedFile("photo.png", PNG, content_type="image/png"),
        },
    )
    assert response.status_code == 302
    att = OrderAttachment.objects.get()
    assert files_in(media) == [media / att.file.name]


def test_intake_filed_with_a_document_that_fails_to_submit_leaves_no_file(world, media):
    """The clerk files and submits with a document attached; the submission fails (nobody may
    approve): the order, the attachment row and its file are all gone."""
    stores = make_warehouses(world)
    world.head_sch.memberships.all().delete()
    asset = make_asset(actor=world.clerk_sch, unit=world.SCH, status="idle")
    client = Client()
    client.force_login(world.clerk_sch)
    response = client.post(
        reverse("warehouse:intake_create"),
        {
            "asset": [asset.pk],
            "warehouse": stores.physical.pk,
            "source": "idle",
            "step": "submit",
            "document_kind": "transfer_list",
            "documents": SimpleUploadedFile("移交清单.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 200
    assert "没有可审批的人员" in response.content.decode()
    assert files_in(media) == []
    assert not OrderAttachment.objects.exists()
