"""manage.py run_scheduler — enqueue periodic tasks (loan reminders …) when they are due.

A small loop: every --interval seconds it asks each periodic task whether it is due and enqueues
it through the Tasks API; `manage.py db_worker` runs it. `serve_demo` starts it with the demo.
"""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand

from gongwucang.workflow.scheduling import enqueue_due, periodic_tasks


class Command(BaseCommand):
    help = "定时任务：按周期把到期的后台任务（借用到期提醒等）放入任务队列，由 db_worker 执行"

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--interval", type=int, default=60, help="检查间隔（秒）")
        parser.add_argument("--once", action="store_true", help="只检查一次后退出")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        jobs = periodic_tasks()
        self.stdout.write(f"定时任务：{', '.join(f'{j.name}（每 {j.every}）' for j in jobs) or '无'}")
        stop = {"now": False}

        def _stop(signum, frame):  # type: ignore[no-untyped-def]
            stop["now"] = True

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        while True:
            for name in enqueue_due(periodic=jobs):
                self.stdout.write(f"已加入队列：{name}")
            if options["once"]:
                return
            for _ in range(max(options["interval"], 1)):
                if stop["now"]:
                    return
                time.sleep(1)
