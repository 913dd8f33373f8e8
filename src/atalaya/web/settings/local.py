"""One machine, loopback only (``atalaya serve``, the demo, the default WSGI module): DEBUG stays off.

With DEBUG off an error page says what went wrong in Spanish and nothing about the code or the URL map; a
developer asks for DEBUG with ``atalaya serve --debug`` (or ``DJANGO_SETTINGS_MODULE=atalaya.web.settings.dev``).
Production (``atalaya.web.settings.production``) adds real hosts, HTTPS and a secret key of its own.
"""

from .base import *  # noqa: F403

DEBUG = False
# Serve static files straight from the apps (no collectstatic needed on one machine or for the demo).
WHITENOISE_USE_FINDERS = True
# One machine has no mail server: messages (alerts, follows, bulletins) are written as files to data/correo, where
# whoever runs the demo can read what would have been sent. Production sets its SMTP server.
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = DATA_DIR / "correo"  # noqa: F405
