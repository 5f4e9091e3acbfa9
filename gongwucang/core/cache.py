"""The Redis cache backend (sessions and cache of a server with REDIS_URL), one client per pool.

Django's RedisCacheClient builds a new redis.Redis object for every cache call; building one
registers its ~170 response callbacks, ~100 µs of CPU here — half the cost of reading a session,
on every request (issue 6). A redis.Redis holds nothing but its connection pool and is safe to
share between threads, so one per pool serves every call. Behaviour is otherwise Django's.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}  # id(pool) → its client; pools live as long as self

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined] # Django's, not in the stubs
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
