"""Development: the local settings with DEBUG on (``atalaya serve --debug``). Never for an observatory's users."""

from .local import *  # noqa: F403

DEBUG = True
WHITENOISE_AUTOREFRESH = True
