"""Settings shared by every environment.

The database comes from ``DATABASE_URL`` (default: a SQLite file in the data directory), so the same code runs
on a laptop, in CI against PostgreSQL, and in production.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parents[2]
_REPO_DIR = PACKAGE_DIR.parents[1]


def _default_data_dir() -> Path:
    # In a source checkout keep data next to the code (gitignored); installed elsewhere, in the user's home.
    if (_REPO_DIR / "pyproject.toml").exists():
        return _REPO_DIR / "data"
    return Path.home() / ".local" / "share" / "atalaya"


DATA_DIR = Path(os.environ.get("ATALAYA_DATA_DIR", _default_data_dir()))
REPORTS_DIR = DATA_DIR / "reports"
UPLOADS_DIR = DATA_DIR / "uploads"
ATTACHMENTS_DIR = DATA_DIR / "adjuntos"  # photos and documents of community problems, outside the web root

SECRET_KEY = os.environ.get("ATALAYA_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "atalaya.core",
    "atalaya.accounts",
    "atalaya.geo",
    "atalaya.taxonomy",
    "atalaya.cube",
    "atalaya.datasets",
    "atalaya.indicators",
    "atalaya.alerts",
    "atalaya.spatial",
    "atalaya.reconciliation",
    "atalaya.cases",
    "atalaya.proximity",
    "atalaya.surveys",
    "atalaya.programmes",
    "atalaya.network",
    "atalaya.publication",
    "atalaya.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "atalaya.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "atalaya.web.middleware.SpanishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "atalaya.core.middleware.TwoFactorRequiredMiddleware",
    "atalaya.core.middleware.CodeOfConductMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "atalaya.web.middleware.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during authentication into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Lockout after repeated failed logins (django-axes), counted two ways: per user name (whatever the address) and
# per client (address and browser together, so that one office behind one address is not locked out by a single
# colleague's typos, while one client trying many names is); the attempts are logged; a success resets them.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("ATALAYA_LOGIN_FAILURE_LIMIT", 5))
ATALAYA_LOCKOUT_MINUTES = int(os.environ.get("ATALAYA_LOCKOUT_MINUTES", 15))
AXES_COOLOFF_TIME = ATALAYA_LOCKOUT_MINUTES / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", ["ip_address", "user_agent"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "atalaya.web.views.lockout"
AXES_VERBOSE = False

# Background work (imports of the web upload): Django's task framework, stored in the database and run by
# ``atalaya worker`` (``atalaya serve`` starts one beside the web server).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Second factor (django-otp: TOTP and backup codes) for superusers and these roles; modules with sensitive records
# add theirs (comma-separated in the environment).
ATALAYA_TWO_FACTOR_ROLES = [
    r.strip() for r in os.environ.get("ATALAYA_TWO_FACTOR_ROLES", "admin").split(",") if r.strip()
]
OTP_TOTP_ISSUER = "Atalaya"
# Code of conduct accepted once per version by the roles listed (none yet: the case module adds its roles).
ATALAYA_CODE_OF_CONDUCT_VERSION = "2026-12"
ATALAYA_CODE_OF_CONDUCT_ROLES = [
    r.strip() for r in os.environ.get("ATALAYA_CODE_OF_CONDUCT_ROLES", "").split(",") if r.strip()
]

# Sessions end after this much inactivity (each request renews them) and when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("ATALAYA_SESSION_IDLE_MINUTES", 60)) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

ROOT_URLCONF = "atalaya.web.urls"
WSGI_APPLICATION = "atalaya.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "atalaya.accounts.context_processors.roles",
            ],
        },
    },
]


def database_from_env() -> dict:
    """Parse DATABASE_URL; SQLite gets a busy timeout so the web app and the CLI can share the file."""
    default_url = f"sqlite:///{DATA_DIR / 'atalaya.sqlite3'}"
    config = dj_database_url.parse(os.environ.get("DATABASE_URL", default_url), conn_max_age=0)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config.setdefault("OPTIONS", {})
        # WAL lets the web app read while an import writes; NORMAL sync is safe with WAL (no corruption, at
        # worst the last transaction is lost on power failure). A 64 MB page cache: a connection lives for one
        # request or one command, and an import of a million incidents held 200 MB of cached pages on top of its
        # frames (its peak memory went from 1.25 to 1.11 GB; pages past the cache spill to the log, not lost).
        config["OPTIONS"].update(
            {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-64000; "
                "PRAGMA temp_store=MEMORY;",
            }
        )
    return config


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# What records are scoped by (atalaya.core.scoping), named like AUTH_USER_MODEL so that core imports no app.
ATALAYA_MUNICIPALITY_MODEL = "geo.Municipality"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Español")), ("en", _("Inglés"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("ATALAYA_TIME_ZONE", "America/Mexico_City")
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "atalaya.web.staticfinders.PlotlyFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Uploads: the web import streams files to disk; keep the in-memory part small.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
ATALAYA_MAX_UPLOAD_BYTES = int(os.environ.get("ATALAYA_MAX_UPLOAD_BYTES", 1024 * 1024 * 1024))

# Links in alert e-mails start with this address (e.g. https://observatorio.example.org).
ATALAYA_BASE_URL = os.environ.get("ATALAYA_BASE_URL", "")
# Basemap of the map page: an XYZ raster tile URL of a server the municipality runs or trusts; empty: no basemap.
ATALAYA_MAP_TILES_URL = os.environ.get("ATALAYA_MAP_TILES_URL", "")
ATALAYA_MAP_TILES_ATTRIBUTION = os.environ.get("ATALAYA_MAP_TILES_ATTRIBUTION", "")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "atalaya.core.pagination.BoundedPagination",
    "PAGE_SIZE": 500,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Atalaya API",
    "DESCRIPTION": "API del observatorio municipal del delito y la violencia.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI assets come from the drf-spectacular-sidecar wheel: no CDN at run time.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a field called «status»: name each choice set once.
    "ENUM_NAME_OVERRIDES": {
        "AlertStatusEnum": "atalaya.alerts.models.Status",
        "DatasetStatusEnum": "atalaya.datasets.choices.DatasetStatus",
        "JobStatusEnum": "atalaya.core.models.JobStatus",
    },
}

# Field encryption (atalaya.core.crypto): 32-byte keys in base64, «id:key,id:key» (the first encrypts). Without
# them a key file is created once in the data directory; production refuses to start without them.
ATALAYA_FIELD_KEYS = os.environ.get("ATALAYA_FIELD_KEYS", "")
ATALAYA_BLIND_INDEX_KEY = os.environ.get("ATALAYA_BLIND_INDEX_KEY", "")
ATALAYA_REQUIRE_CONFIGURED_KEYS = False
# Break the glass: how long an emergency access lasts unless the user asks for less.
ATALAYA_EMERGENCY_ACCESS_MINUTES = int(os.environ.get("ATALAYA_EMERGENCY_ACCESS_MINUTES", 60))
# Early warning (cases): hours to assign a queued case by risk, and how long a case worker's emergency access lasts.
ATALAYA_CASE_ASSIGN_HOURS = {
    "alta": float(os.environ.get("ATALAYA_CASE_ASSIGN_HOURS_HIGH", 1)),
    "": float(os.environ.get("ATALAYA_CASE_ASSIGN_HOURS_OTHER", 24)),
}
ATALAYA_CASE_EMERGENCY_MINUTES = int(os.environ.get("ATALAYA_CASE_EMERGENCY_MINUTES", 180))
# Years a closed case is kept, by module («ninez=10,mujer=10,familia=5,mayores=5»; unnamed modules keep the
# defaults of atalaya.cases.privacy), and the team roles whose exports may carry identities.
ATALAYA_CASE_RETENTION_YEARS = {
    module.strip(): int(years)
    for module, _, years in (
        pair.partition("=") for pair in os.environ.get("ATALAYA_CASE_RETENTION_YEARS", "").split(",") if "=" in pair
    )
}
ATALAYA_CASE_IDENTIFIED_EXPORT_ROLES = tuple(
    role.strip() for role in os.environ.get("ATALAYA_CASE_IDENTIFIED_EXPORT_ROLES", "coordinador").split(",") if role
)
# Community problems (proximity): decimals of a public point (3 ≈ 110 m, so a report does not pinpoint a home),
# the attachments a report may carry and their size, and the radius and days within which a report of the same
# category is offered as a possible duplicate.
ATALAYA_PROBLEM_PUBLIC_DECIMALS = int(os.environ.get("ATALAYA_PROBLEM_PUBLIC_DECIMALS", 3))
ATALAYA_PROBLEM_MAX_ATTACHMENTS = int(os.environ.get("ATALAYA_PROBLEM_MAX_ATTACHMENTS", 3))
ATALAYA_PROBLEM_MAX_ATTACHMENT_MB = float(os.environ.get("ATALAYA_PROBLEM_MAX_ATTACHMENT_MB", 5))
ATALAYA_PROBLEM_DUPLICATE_METRES = float(os.environ.get("ATALAYA_PROBLEM_DUPLICATE_METRES", 150))
ATALAYA_PROBLEM_DUPLICATE_DAYS = int(os.environ.get("ATALAYA_PROBLEM_DUPLICATE_DAYS", 30))
# Reports an Open311 API key may post per hour.
ATALAYA_OPEN311_POSTS_PER_HOUR = int(os.environ.get("ATALAYA_OPEN311_POSTS_PER_HOUR", 120))
# Programmes' IATI export: the reporting organisation's registered IATI prefix (empty: "{country}-MUN")
ATALAYA_IATI_ORG_PREFIX = os.environ.get("ATALAYA_IATI_ORG_PREFIX", "")
# The licence of the open-data catalogue's datasets (a URI, as DCAT-AP asks).
ATALAYA_OPEN_DATA_LICENSE = os.environ.get("ATALAYA_OPEN_DATA_LICENSE", "http://creativecommons.org/licenses/by/4.0/")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"atalaya": {"handlers": ["console"], "level": os.environ.get("ATALAYA_LOG_LEVEL", "WARNING")}},
}
