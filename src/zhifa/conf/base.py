"""Settings shared by every environment. Everything that differs between deployments comes
from the environment (see docs/operations.md for the list)."""

from pathlib import Path

import environ

SRC_DIR = Path(__file__).resolve().parent.parent  # src/zhifa
BASE_DIR = SRC_DIR.parent.parent  # the checkout

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env("ZHIFA_VAR_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-insecure-zhifa-key-change-me-in-production-0123456789")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "django_tasks_db",
    "rules.apps.AutodiscoverRulesConfig",
    # zhifa apps, in dependency order (DESIGN.md): each imports only from those above it.
    "zhifa.core",
    "zhifa.ledger",
    "zhifa.org",
    "zhifa.catalog",
    "zhifa.cases",
    "zhifa.documents",
    "zhifa.records",
    "zhifa.review",
    "zhifa.publicity",
    "zhifa.procedures",
    "zhifa.inspections",
    "zhifa.supervision",
    "zhifa.api",
    "zhifa.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "zhifa.web.middleware.RequireTwoFactorMiddleware",  # ZHIFA_REQUIRE_2FA: TOTP before staff pages
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    # axes last: it needs the authenticated user and answers locked-out logins itself.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zhifa.urls"
WSGI_APPLICATION = "zhifa.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
# DATABASE_URL: sqlite:///path or postgres://user@host:port/name. The embedded default is a
# SQLite file under var/, in WAL mode, with IMMEDIATE transactions so concurrent writers queue
# instead of failing on lock upgrades.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'zhifa.sqlite3'}")}
# Each web thread keeps its connection between requests (seconds; 0: a new one per request). On
# SQLite a new connection also starts with an empty page cache and re-reads the schema.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # Prepared statements: a statement run this many times on a connection is prepared, so
    # PostgreSQL stops parsing it again; they need server-side binding. 0 turns both off (e.g.
    # behind a pooler in transaction mode that does not track prepared statements). Plans stay made
    # for each statement's own values (plan_cache_mode force_custom_plan: the portal searches depend
    # on them); case_transition lets its own short statements reuse a generic plan
    # (cases.engine._reuse_plans).
    PREPARE_THRESHOLD = env.int("DATABASE_PREPARE_THRESHOLD", default=5)
    if PREPARE_THRESHOLD > 0:
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": PREPARE_THRESHOLD,
             "options": f"-c plan_cache_mode={env('DATABASE_PLAN_CACHE_MODE', default='force_custom_plan')}"})
    # pg_trgm on Chinese text needs a UTF-8 LC_CTYPE: build test databases from template0.
    DATABASES["default"]["TEST"] = {"TEMPLATE": "template0", "CHARSET": "UTF8"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- users ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:workbench"
LOGOUT_REDIRECT_URL = "web:home"

# django-axes: lock an account+IP pair after repeated failures.
AXES_FAILURE_LIMIT = env.int("ZHIFA_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("ZHIFA_LOGIN_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"

# The client's address (zhifa.core.clientip: login lockouts, login audit, the PEN-15 query limits),
# computed by django-axes with django-ipware. 0: only REMOTE_ADDR counts (X-Forwarded-For, which any
# client can write, is ignored). N > 0: N reverse proxies in front, each appending the address it
# received from to X-Forwarded-For; the client is the N-th address from the right (the one the
# outermost proxy saw) and anything a client wrote further left is ignored.
ZHIFA_PROXY_COUNT = env.int("ZHIFA_PROXY_COUNT", default=0)
if ZHIFA_PROXY_COUNT < 0:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("ZHIFA_PROXY_COUNT: the number of reverse proxies in front of zhifa, 0 or more")
if ZHIFA_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_COUNT = ZHIFA_PROXY_COUNT - 1  # ipware counts the proxies listed in the header
    IPWARE_STRICT = False  # a longer chain (a client-written prefix) still yields the N-th from the right
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
    AXES_IPWARE_PROXY_COUNT = None

# Two-factor (TOTP) is required for reviewers, heads and admins when this is on.
ZHIFA_REQUIRE_2FA = env.bool("ZHIFA_REQUIRE_2FA", default=False)
OTP_TOTP_ISSUER = "zhifa 执法平台"

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static and files -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Evidence and documents: a content-addressed store. Filesystem by default; S3 in production
# (ZHIFA_STORAGE=s3 with the AWS_* variables, see docs/operations.md).
ZHIFA_FILES_DIR = Path(env("ZHIFA_FILES_DIR", default=str(VAR_DIR / "files")))
MEDIA_ROOT = ZHIFA_FILES_DIR
MEDIA_URL = "/media/"
ZHIFA_STORAGE = env("ZHIFA_STORAGE", default="filesystem")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "zhifa.core.staticfiles.StaticStorage"},
}
if ZHIFA_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME", default="zhifa"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "file_overwrite": False,
        },
    }

# --- ledger ---------------------------------------------------------------------------------
# The hash of the whole deployment, fixed at install: sha256 (default) or sm3 (国密).
ZHIFA_HASH = env("ZHIFA_HASH", default="sha256")
# The Ed25519 key that signs tree heads lives outside the database.
# Enforcement documents (documents app): the PDF/A level WeasyPrint writes.
ZHIFA_DOCUMENT_PDF_VARIANT = env("ZHIFA_DOCUMENT_PDF_VARIANT", default="pdf/a-3b")
ZHIFA_LEDGER_KEY = Path(env("ZHIFA_LEDGER_KEY", default=str(VAR_DIR / "keys" / "ledger_ed25519.pem")))
# Worker processes `zhifa ledger verify` checks the log with (ledger.leafcheck); 0: one per CPU.
ZHIFA_LEDGER_VERIFY_WORKERS = env.int("ZHIFA_LEDGER_VERIFY_WORKERS", default=0)

# --- background work ------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- security -------------------------------------------------------------------------------
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "media-src": [CSP.SELF, "blob:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- logging (structured) -------------------------------------------------------------------
import structlog  # noqa: E402

LOG_LEVEL = env("ZHIFA_LOG_LEVEL", default="INFO")
LOG_JSON = env.bool("ZHIFA_LOG_JSON", default=False)  # production: set ZHIFA_LOG_JSON=1
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processor": (
                structlog.processors.JSONRenderer(ensure_ascii=False)
                if LOG_JSON
                else structlog.dev.ConsoleRenderer(colors=False)
            ),
            "foreign_pre_chain": [
                structlog.contextvars.merge_contextvars,
                structlog.processors.TimeStamper(fmt="iso"),
                structlog.stdlib.add_logger_name,
                structlog.stdlib.add_log_level,
            ],
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django_structlog": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "zhifa": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "jieba": {"level": "WARNING"},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
structlog.configure(
    processors=[
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.filter_by_level,
        structlog.processors.TimeStamper(fmt="iso"),
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    cache_logger_on_first_use=True,
)
DJANGO_STRUCTLOG_CELERY_ENABLED = False

# --- zhifa thresholds (RULES CONFIG items with national defaults; agencies override in
# catalog settings where the issue asks for per-agency values) -------------------------------
ZHIFA_CERT_EXPIRY_WARNING_DAYS = env.int("ZHIFA_CERT_EXPIRY_WARNING_DAYS", default=60)
# Deadline periods RULES marks CONFIG (core/deadlines.py), in working days; national defaults.
ZHIFA_PEN20_RESPONSE_WORKING_DAYS = env.int("ZHIFA_PEN20_RESPONSE_WORKING_DAYS", default=5)  # PEN-20
ZHIFA_PEN26_FILING_WORKING_DAYS = env.int("ZHIFA_PEN26_FILING_WORKING_DAYS", default=15)  # PEN-26
ZHIFA_REV06_REVIEW_WORKING_DAYS = env.int("ZHIFA_REV06_REVIEW_WORKING_DAYS", default=10)  # REV-06
ZHIFA_REC09_FILING_WORKING_DAYS = env.int("ZHIFA_REC09_FILING_WORKING_DAYS", default=7)  # REC-09

# --- whole-process records (records app, R1–R9, REC-*) -------------------------------------------
ZHIFA_EVIDENCE_MAX_BYTES = env.int("ZHIFA_EVIDENCE_MAX_BYTES", default=4 << 30)  # one evidence file
ZHIFA_UPLOAD_SPOOL_DIR = env("ZHIFA_UPLOAD_SPOOL_DIR", default=str(VAR_DIR / "uploads"))  # chunked uploads
ZHIFA_UPLOAD_SESSION_HOURS = env.int("ZHIFA_UPLOAD_SESSION_HOURS", default=48)  # idle sessions purged
ZHIFA_OFFICERS_PER_BODY_CAMERA = env.int("ZHIFA_OFFICERS_PER_BODY_CAMERA", default=5)  # R4: one per five
ZHIFA_ARCHIVE_RETENTION_YEARS = env.int("ZHIFA_ARCHIVE_RETENTION_YEARS", default=30)  # REC-04; 0 = permanent
ZHIFA_ACCESS_GRANT_MAX_DAYS = env.int("ZHIFA_ACCESS_GRANT_MAX_DAYS", default=30)  # REC-05 approval window
# PEN-15 public query page: wrong tries one client may make in an hour before it is turned away.
ZHIFA_DEVICE_NOTICE_TRIES_PER_HOUR = env.int("ZHIFA_DEVICE_NOTICE_TRIES_PER_HOUR", default=20)

# Outbound push of publications (publicity/push.py): retry backoff = base × 2^(attempts−1), capped.
ZHIFA_PORTAL_CACHE_SECONDS = env.int("ZHIFA_PORTAL_CACHE_SECONDS", default=60)  # portal counts, agency list
ZHIFA_PORTAL_PROBE_ROWS = env.int("ZHIFA_PORTAL_PROBE_ROWS", default=3000)  # publicity.selectors.NewestFirstSearch
ZHIFA_PUSH_BACKOFF_SECONDS = env.int("ZHIFA_PUSH_BACKOFF_SECONDS", default=30)
ZHIFA_PUSH_BACKOFF_MAX_SECONDS = env.int("ZHIFA_PUSH_BACKOFF_MAX_SECONDS", default=3600)
