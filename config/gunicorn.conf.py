"""Gunicorn for production (docs/operations.md): `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Every value can be overridden from the environment. Defaults suit the 2-core server the
benchmarks measure (bench/pages.py, bench/load.py): two synchronous workers — Django's request
handling is CPU-bound here (PostgreSQL answers the everyday pages in a millisecond or two), so
one process per core serves the most requests; more workers only add memory and switching.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", str(min(multiprocessing.cpu_count(), 4))))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Connections wait in the listen queue while both workers are busy (a burst of 50 users).
backlog = int(os.environ.get("GUNICORN_BACKLOG", "2048"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 2
# Recycle workers now and then so that a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = 2000
# Load the application before forking: workers share its memory, start faster, and a broken
# deployment fails at start instead of on the first request.
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
