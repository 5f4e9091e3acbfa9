"""manage.py serve_demo — the demo's processes in one terminal: web server, task worker, scheduler.

Stops them all on Ctrl-C or SIGTERM (a plain `kill` of this process leaves no worker behind).
For production, run gunicorn, `db_worker` and `run_scheduler` as separate services (docs/operations.md).
"""

import signal
import subprocess
import sys

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "启动演示：网页服务、后台任务进程和定时任务（Ctrl-C 全部停止）"

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        background = [[sys.executable, "manage.py", "db_worker"]]
        if "run_scheduler" in get_commands():
            background.append([sys.executable, "manage.py", "run_scheduler"])
        children = [subprocess.Popen(cmd) for cmd in background]  # noqa: S603
        # SIGTERM ends the server like Ctrl-C, so the `finally` below stops the children too.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        self.stdout.write(self.style.SUCCESS(f"公物仓演示：http://{options['addr']}/  （Ctrl-C 停止）"))
        try:
            call_command("runserver", options["addr"], use_reloader=False)
        finally:
            for child in children:
                child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
