"""Background work of the spreadsheets app, run by the Tasks worker (`manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task


@task()
def check_import_task(import_id: int) -> str:
    """Check an uploaded ledger (the dry run behind the preview)."""
    from .services import asset_import_check

    return asset_import_check(import_id=import_id).status


@task()
def commit_import_task(import_id: int, actor_id: int, mode: str) -> str:
    """Import a checked ledger in one transaction."""
    from gongwucang.org.models import User

    from .services import asset_import_commit

    actor = User.objects.get(pk=actor_id)
    return asset_import_commit(actor=actor, import_id=import_id, mode=mode).status
