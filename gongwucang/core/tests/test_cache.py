"""core.cache: Django's Redis cache, sharing one client per connection pool (a real Redis)."""

from __future__ import annotations

import threading

import pytest
import redis

from gongwucang.core.cache import RedisCache

REDIS_URL = "redis://127.0.0.1:6379/7"


@pytest.fixture
def cache():
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379 (a server's cache; the embedded mode runs without)")
    backend = RedisCache(REDIS_URL, {"KEY_PREFIX": "gwc-test-cache"})
    yield backend
    backend.clear()


def test_one_client_serves_every_call(cache):
    client = cache._cache.get_client("a")
    assert cache._cache.get_client("b", write=True) is client
    assert cache._cache.get_client() is client


def test_it_stores_reads_and_deletes_as_djangos(cache):
    assert cache.get("missing", "default") == "default"
    cache.set("session", {"user": 7, "name": "张三"}, timeout=30)
    assert cache.get("session") == {"user": 7, "name": "张三"}
    assert cache.add("session", "other") is False  # there already: kept
    assert cache.get("session") == {"user": 7, "name": "张三"}
    assert cache.add("n", 1) is True and cache.incr("n") == 2
    cache.set_many({"x": 1, "y": 2})
    assert cache.get_many(["x", "y", "z"]) == {"x": 1, "y": 2}
    cache.delete("session")
    assert cache.get("session") is None


def test_threads_share_the_client_safely(cache):
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                cache.set(f"t{n}-{i}", i)
                assert cache.get(f"t{n}-{i}") == i
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
