"""Settings for the test suite: SQLite in memory unless DATABASE_URL names another database."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, STATIC_ROOT, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; tests
if not os.environ.get("DATABASE_URL"):
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
MEDIA_ROOT = VAR_DIR / "test-media"
if os.environ.get("TEST_REDIS_URL"):  # the cached_db sessions of production, tested on purpose
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["TEST_REDIS_URL"],
            "KEY_PREFIX": f"gwc-test-{os.getpid()}",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:  # the suite never shares a cache with a server running on this machine
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_ENABLED = True
# The test world's cards are registered idle today; tests of the idle-duration rule set it to 6.
INTAKE_IDLE_MIN_MONTHS = 0
LANGUAGE_CODE = "zh-hans"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
