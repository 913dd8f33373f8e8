"""Local development and the demo: DEBUG on, loopback only."""

from .base import *  # noqa: F403

DEBUG = True
