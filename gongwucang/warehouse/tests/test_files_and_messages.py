"""Attachments (documents on the order, the keeper's photos in the catalogue), notifications and
their e-mail after commit, the done list, and the admin's guard on approval steps."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from gongwucang.core.testing import make_asset, make_world
from gongwucang.warehouse import services
from gongwucang.warehouse.services import LineDecision
from gongwucang.warehouse.testing import approve_all
from gongwucang.workflow import selectors
from gongwucang.workflow import services as wf
from gongwucang.workflow.exceptions import ActionNotAllowed
from gongwucang.workflow.models import ApprovalFlow, ApprovalStep, Notification

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n" + b"0" * 64


def client_for(user):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def intake(world, stores, physical=True):  # type: ignore[no-untyped-def]
    asset = make_asset(actor=world.clerk_sch, unit=world.SCH, status="idle")
    warehouse = stores.physical if physical else stores.virtual
    return services.intake_create(
        actor=world.clerk_sch, warehouse_id=warehouse.pk, source="idle", asset_ids=[asset.pk], submit=True
    )


def test_documents_on_an_order(world, stores):
    order = intake(world, stores)
    doc = wf.order_attach_file(
        actor=world.clerk_sch,
        order_id=order.pk,
        kind="transfer_list",
        uploaded=SimpleUploadedFile("移交清单.pdf", PDF),
    )
    assert (doc.content_type, doc.original_name) == ("application/pdf", "移交清单.pdf")
    with pytest.raises(ValidationError, match="不支持的文件类型"):
        wf.order_attach_file(
            actor=world.clerk_sch,
            order_id=order.pk,
            kind="invoice",
            uploaded=SimpleUploadedFile("发票.pdf", b"MZ\x90\x00 not a pdf"),
        )
    with pytest.raises(ActionNotAllowed):
        wf.order_attach_file(
            actor=world.auditor, order_id=order.pk, kind="other", uploaded=SimpleUploadedFile("a.pdf", PDF)
        )
    url = reverse("workflow:attachment_download", args=[order.pk, doc.pk])
    assert client_for(world.finance).get(url).status_code == 200
    assert client_for(world.clerk_cln).get(url).status_code == 404


def test_keeper_photo_at_receipt_shows_in_the_catalogue(world, stores):
    order = approve_all(intake(world, stores), world)
    line = order.lines.get()
    client = client_for(world.keeper)
    response = client.post(
        reverse("warehouse:intake_receive", args=[order.pk]),
        {
            f"decision_{line.pk}": "accept",
            f"condition_{line.pk}": "good",
            f"bin_{line.pk}": stores.bins[0].pk,
            f"photo_{line.pk}": SimpleUploadedFile("photo.png", PNG, content_type="image/png"),
        },
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "done"
    photo = line.attachments.get()
    assert photo.kind == "photo" and photo.is_image
    item = line.asset.pool_items.get()
    page = client_for(world.clerk_cln).get(reverse("warehouse:item_detail", args=[item.pk])).content.decode()
    photo_url = reverse("warehouse:item_photo", args=[item.pk, "order", photo.pk])
    assert photo_url in page
    assert client_for(world.clerk_cln).get(photo_url).status_code == 200
    stranger = make_world("330100002").clerk_sch
    assert client_for(stranger).get(photo_url).status_code == 404


def test_a_failed_receipt_keeps_no_photo(world, stores):
    order = approve_all(intake(world, stores), world)
    line = order.lines.get()
    client_for(world.keeper).post(
        reverse("warehouse:intake_receive", args=[order.pk]),
        {
            f"decision_{line.pk}": "refuse",
            f"condition_{line.pk}": "good",
            f"note_{line.pk}": "",
            f"photo_{line.pk}": SimpleUploadedFile("photo.png", PNG, content_type="image/png"),
        },
    )
    order.refresh_from_db()
    assert order.status == "approved" and not line.attachments.exists()


def test_notifications_are_emailed_after_commit(world, stores, django_capture_on_commit_callbacks):
    world.head_sch.email = "head@school.example.cn"
    world.head_sch.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order = intake(world, stores)
    assert callbacks  # the e-mail waits for the commit
    note = Notification.objects.get(recipient=world.head_sch, order=order)
    assert note.title.startswith("待审批") and note.emailed_at is not None
    assert [m.to for m in mail.outbox] == [["head@school.example.cn"]]
    assert order.order_no in mail.outbox[0].subject
    assert reverse("workflow:order_detail", args=[order.pk]) in mail.outbox[0].body
    # Reading it marks it read and follows the link.
    response = client_for(world.head_sch).post(
        reverse("workflow:notifications_read"), {"notification": note.pk}
    )
    assert response.url == reverse("workflow:order_detail", args=[order.pk])
    note.refresh_from_db()
    assert note.read_at is not None


def test_a_rolled_back_action_mails_nobody(world, stores, django_capture_on_commit_callbacks):
    order = intake(world, stores)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ActionNotAllowed):
        wf.order_approve(actor=world.finance, order_id=order.pk)
    assert mail.outbox == []


def test_done_list_and_inbox(world, stores):
    order = intake(world, stores)
    assert [a.order for a in selectors.pending_approvals(actor=world.head_sch)] == [order]
    wf.order_approve(actor=world.head_sch, order_id=order.pk)
    assert list(selectors.pending_approvals(actor=world.head_sch)) == []
    assert list(selectors.done_orders(actor=world.head_sch)) == [order]
    assert order in selectors.work_orders(actor=world.keeper)  # approved: the keeper receives it
    services.intake_receive(
        actor=world.keeper,
        order_id=order.pk,
        decisions=[
            LineDecision(order.lines.get().pk, accept=True, condition="good", bin_id=stores.bins[0].pk)
        ],
    )
    assert order not in selectors.work_orders(actor=world.keeper)


def test_admin_may_not_make_the_keeper_approve_intakes(db):
    wf.approval_flows_load_defaults()
    flow = ApprovalFlow.objects.get(order_type="intake")
    step = ApprovalStep(flow=flow, seq=99, name="仓管员审核", role="keeper", scope="keeper")
    with pytest.raises(ValidationError, match="职责分离"):
        step.full_clean()
    with pytest.raises(ValidationError):
        ApprovalStep(flow=flow, seq=98, name="审计", role="auditor", scope="finance").full_clean()


def test_flows_can_be_reset_to_the_defaults(db):
    wf.approval_flows_load_defaults()
    ApprovalStep.objects.filter(flow__order_type="loan").delete()
    assert wf.approval_flows_load_defaults() == 0  # existing flows are kept
    assert wf.approval_flows_load_defaults(replace=True) == 4
    assert ApprovalStep.objects.filter(flow__order_type="loan").count() == 4


def test_no_flow_no_submission(world, stores):
    ApprovalFlow.objects.filter(order_type="intake").update(is_active=False)
    with pytest.raises(ValidationError, match="尚未配置审批流程"):
        intake(world, stores)
