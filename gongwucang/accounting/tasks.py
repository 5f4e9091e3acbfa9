"""Background tasks of the accounting app (Django's Tasks API; `manage.py db_worker` runs them)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_posting_request(*, request_id: int) -> str:
    """Post the months of one posting request, writing progress to its row as it goes."""
    from .services import posting_request_run

    request = posting_request_run(request_id=request_id)
    return str(request.status)
