"""The embedded demo (`make demo`): SQLite under var/, debug pages on, console e-mail."""

from config.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)
