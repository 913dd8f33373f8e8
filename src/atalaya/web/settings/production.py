"""Production: secrets and hosts from the environment, HTTPS everywhere."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ.get("ATALAYA_SECRET_KEY", "")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("ATALAYA_SECRET_KEY debe definirse con al menos 50 caracteres aleatorios.")
ATALAYA_REQUIRE_CONFIGURED_KEYS = True
for _name in ("ATALAYA_FIELD_KEYS", "ATALAYA_BLIND_INDEX_KEY"):
    if not os.environ.get(_name):
        raise ImproperlyConfigured(f"{_name} debe definirse (claves de 32 bytes en base64; ver docs/es/seguridad.md).")
ALLOWED_HOSTS = [h for h in os.environ.get("ATALAYA_ALLOWED_HOSTS", "").split(",") if h]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
