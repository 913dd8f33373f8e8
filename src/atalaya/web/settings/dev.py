"""Local development and the demo: DEBUG on, loopback only."""

from .base import *  # noqa: F403

DEBUG = True
# Serve static files straight from the apps (no collectstatic needed for the demo).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
