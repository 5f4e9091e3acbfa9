"""Shared plumbing of the benchmarks: Django set-up on PostgreSQL, timing, peak RSS, the report.

Every bench script:
- runs against PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/gwc_bench),
- repeats each measurement, reports min / median / p95 and the ratio to the bare SQL doing the
  same work in the same run (the limit),
- prints a markdown table, writes the rows as JSON when given --json PATH (bench/run_all.py
  collects them into bench/results/latest.md), and exits non-zero when a target is missed.
Benchmarks from several people on one 2-core machine disturb each other: run them under
`flock /tmp/gwc-bench.lock …` (run_all does) and compare ratios, not raw seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/gwc_bench"


def setup_django(database_url: str | None = None) -> None:
    """Point Django at the benchmark database (created if missing) and migrate it."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", database_url or DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ.setdefault("DEBUG", "0")
    _ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _ensure_database(url: str) -> None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    if "sqlite" in cfg["ENGINE"] and os.environ.get("GWC_BENCH_EMBEDDED") == "1":
        return  # the embedded mode's benchmark (bench/make_scale_data.py and bench/pages.py --embedded)
    if "postgresql" not in cfg["ENGINE"]:
        raise SystemExit("benchmarks run on PostgreSQL: set DATABASE_URL=postgres://…")
    admin = psycopg.connect(
        host=cfg["HOST"] or "127.0.0.1",
        port=cfg["PORT"] or 5432,
        user=cfg["USER"] or "postgres",
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def scale_facts() -> dict[str, Any]:
    """What bench/make_scale_data.py recorded about the data (largest unit, busy cards, …), read
    through Django's connection (table bench_scale_facts)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT name, value FROM bench_scale_facts")
        return {name: (json.loads(v) if isinstance(v, str) else v) for name, v in cursor.fetchall()}


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(samples: list[float], share: float) -> float:
    """The sample below which `share` of them lie (nearest rank; 0.95 → the benchmarks' p95)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass
class Result:
    figure: str
    target: str
    unit: str
    samples: list[float]
    ratio: float | None = None  # ours ÷ bare SQL (median over median)
    ok: bool = True
    note: str = ""

    @property
    def minimum(self) -> float:
        return min(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 0.95)

    def as_row(self) -> dict[str, Any]:
        row = asdict(self)
        row.update(min=self.minimum, median=self.median, p95=self.p95)
        del row["samples"]
        return row


def timed(fn: Callable[[], Any], repeat: int = 3) -> list[float]:
    """Wall-clock seconds of `repeat` runs of fn."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def report(title: str, results: list[Result], json_path: str | None = None) -> int:
    """Print the table, write JSON if asked; return the exit code (1 if any target was missed)."""
    print(f"\n### {title}\n")
    print("| figure | target | min | median | p95 | ratio | ok |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else "—"
        print(
            f"| {r.figure} | {r.target} | {r.minimum:.3f} {r.unit} | {r.median:.3f} {r.unit} | "
            f"{r.p95:.3f} {r.unit} | {ratio} | {'✓' if r.ok else '✗ MISSED'} |"
        )
    if json_path:
        Path(json_path).write_text(
            json.dumps(
                {
                    "title": title,
                    # When it was measured: a checkout gives every file the time of the checkout.
                    "measured_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                    "rows": [r.as_row() for r in results],
                },
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )
    return 0 if all(r.ok for r in results) else 1


# --- HTTP benchmarks against gunicorn (issue 6: bench/pages.py, bench/load.py) ------------------

BENCH_PORT = 8765
BENCH_PASSWORD = "Bench-pass-2026"  # the password of the scale data's logins (make_scale_data.py)


def production_env(database_url: str, var_dir: str = "/tmp/gwc-bench-var") -> dict[str, str]:
    """Environment of a production-like server on loopback: production settings, PostgreSQL,
    persistent connections, no HTTPS redirect (no TLS on 127.0.0.1)."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench-only-" + "k" * 60,
            "SECURE_SSL_REDIRECT": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "GWC_VAR_DIR": var_dir,
            "DB_CONN_MAX_AGE": "600",
            "LOG_LEVEL": "WARNING",
        }
    )
    # A server's cache and sessions (config/settings/base.py): Redis when one answers on this
    # machine, as in production; the embedded mode runs without it. GWC_BENCH_REDIS=0 measures
    # database sessions instead.
    if (
        "REDIS_URL" not in os.environ
        and os.environ.get("GWC_BENCH_EMBEDDED") != "1"
        and os.environ.get("GWC_BENCH_REDIS", "1") != "0"
        and redis_answers()
    ):
        env["REDIS_URL"] = BENCH_REDIS_URL
    return env


BENCH_REDIS_URL = "redis://127.0.0.1:6379/3"


def redis_answers(host: str = "127.0.0.1", port: int = 6379) -> bool:
    import socket

    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


ACCESS_LOG_FORMAT = "%(D)s %(s)s %(U)s?%(q)s"


class GunicornServer:
    """`with GunicornServer(database_url) as base_url:` — gunicorn (config/gunicorn.conf.py) on
    127.0.0.1 with production settings; static files collected first; stopped on exit."""

    def __init__(
        self, database_url: str, workers: int = 2, port: int = BENCH_PORT, access_log: str = ""
    ) -> None:
        self.env = production_env(database_url)
        self.env.update({"GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers)})
        if access_log:  # one line per request: its time in µs, status, path and query (ACCESS_LOG_FORMAT)
            self.env["GUNICORN_ACCESSLOG"] = access_log
            self.env["GUNICORN_CMD_ARGS"] = f"--access-logformat '{ACCESS_LOG_FORMAT}'"
        self.port = port
        self.process: Any = None

    def __enter__(self) -> str:
        import subprocess
        import urllib.request

        python = str(ROOT / ".venv" / "bin" / "python")
        subprocess.run(
            [python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=self.env, check=True
        )
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "config/gunicorn.conf.py", "config.wsgi"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{self.port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/accounts/login/", timeout=2).read()
                return url
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.1)
        raise SystemExit("gunicorn did not answer within 20 s")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


class HttpSession:
    """A logged-in browser, minimal: cookies and the CSRF token; one connection per request,
    as gunicorn's sync workers close each connection."""

    def __init__(self, base_url: str) -> None:
        from urllib.parse import urlsplit

        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes, dict[str, str]]:
        import http.client

        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        cookies = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        all_headers = {"Cookie": cookies, "Accept-Language": "zh-hans"}
        all_headers.update(headers or {})
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        conn.close()
        return response.status, data, {k.lower(): v for k, v in response.getheaders()}

    def get(self, path: str) -> tuple[int, bytes]:
        status, data, _headers = self.request("GET", path)
        return status, data

    def login(self, username: str, password: str = BENCH_PASSWORD) -> None:
        import re
        from urllib.parse import urlencode

        _status, page, _h = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if token is None:
            raise SystemExit("login page without CSRF token")
        csrf = token.group(1).decode()
        body = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": csrf})
        status, _data, headers = self.request(
            "POST", "/accounts/login/", body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        if status != 302 or "/accounts/login/" in headers.get("location", ""):
            raise SystemExit(f"login of {username} failed (HTTP {status})")


def http_timed(session: HttpSession, path: str, repeat: int, warmup: int = 2) -> list[float]:
    """Wall-clock seconds of `repeat` GETs of path (after `warmup` unmeasured ones); any answer
    but 200 stops the benchmark."""
    samples = []
    for i in range(warmup + repeat):
        start = time.perf_counter()
        status, _body = session.get(path)
        elapsed = time.perf_counter() - start
        if status != 200:
            raise SystemExit(f"GET {path} answered HTTP {status}")
        if i >= warmup:
            samples.append(elapsed)
    return samples
