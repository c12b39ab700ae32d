"""Settings for the casework project, read from environment variables.

DJANGO_DEBUG        "1" turns on debug mode (never in production). Default off.
DJANGO_SECRET_KEY   required unless DJANGO_DEBUG is on.
DJANGO_ALLOWED_HOSTS comma-separated host names. Default: localhost names only.
DATABASE_URL        sqlite:///path/to/file or postgres://user@host:port/name.
                    Default: db.sqlite3 beside manage.py.
DJANGO_TIME_ZONE    Default Europe/London.
DJANGO_SIGN_IN_ATTEMPTS, DJANGO_SIGN_IN_PAUSE_MINUTES
                    wrong passwords before signing in is paused, and for how long. Default 5, 15.
DJANGO_SESSION_IDLE_MINUTES  minutes without a request after which a session ends. Default 30.
(and the others in README.md, "Settings")
"""

import hashlib
import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 on a development machine).")
    # Stable across runserver reloads so a developer is not signed out on every edit;
    # only ever used with DEBUG on.
    SECRET_KEY = hashlib.sha256(b"debug only: " + str(BASE_DIR).encode()).hexdigest()

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if host.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "django_fsm",
    "guardian",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "incidents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "incidents.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "incidents.middleware.RequestTooLargeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "incidents.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "casework.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

FORM_RENDERER = "incidents.forms.FormRenderer"

WSGI_APPLICATION = "casework.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 2,
        "max_size": int(os.environ.get("DATABASE_POOL_MAX_SIZE", "10")),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several people at once on SQLite: readers never wait for the writer (WAL), a writer waits
    # up to 20 seconds for another (busy timeout), and a transaction takes the write lock when it
    # begins (IMMEDIATE), so it waits its turn instead of failing half-way with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    })

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# Object permissions on cases come from django-guardian (incidents/permissions.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out sign-in before any other looks
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian keeps no anonymous user row

# Signing in (django-axes): after 5 wrong passwords for one username from one address, that
# pair is refused for 15 minutes. Locking a username alone would let anyone lock a headteacher out.
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_SIGN_IN_ATTEMPTS", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DJANGO_SIGN_IN_PAUSE_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "incidents.views.pages.signing_in_paused"
AXES_VERBOSE = False

# Long exports run in the background: `python manage.py db_worker` works through the queue
# kept in the database. With DJANGO_DEBUG (as in `make run`) they run at once, in the request.
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "DJANGO_TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend" if DEBUG else "django_tasks_db.DatabaseBackend",
        )
    }
}

# Passwords are hashed with Argon2; older hashes are upgraded the next time their owner signs in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# The second step of signing in (incidents/two_factor.py): a code from an authenticator app
# (TOTP) or a backup code. Everyone who can open a case, and the administrators, must use it
# whenever DJANGO_DEBUG is off; with DJANGO_DEBUG on (`make run`) it is asked only of those
# who set it up. Anyone may set it up.
TWO_FACTOR_REQUIRED = not DEBUG
OTP_TOTP_ISSUER = "Casework"
# The admin lists people's devices (deleting one makes its owner set it up again at their next
# sign-in) without showing any secret key or backup code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Every asset is served by the app itself through WhiteNoise (no CDN), straight from the
# apps' static folders, so no collectstatic step is needed to run; set DJANGO_STATIC_ROOT
# to collect them for a production server.
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT") or None
WHITENOISE_USE_FINDERS = True

# Evidence and letters are never served from a public URL: they live outside any
# static or media root and are streamed by views that check permissions.
PRIVATE_STORAGE_ROOT = Path(os.environ.get("PRIVATE_STORAGE_ROOT", BASE_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "incidents.storage.PrivateStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "incidents:home"
LOGOUT_REDIRECT_URL = "login"

# Password reset emails and notifications (incidents/notifications.py): printed to the console
# unless an SMTP server is configured.
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "casework@localhost")
# A slow mail server holds up the background worker for at most this long per try, never a step.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
# Where people reach the product: the links in emails start with it.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# A letter emailed to its recipient is a link to a page that needs no account
# (incidents/letters/delivery.py): it works for this many days, and opens the letter this many times.
LETTER_LINK_DAYS = int(os.environ.get("LETTER_LINK_DAYS", "14"))
LETTER_LINK_OPENS = int(os.environ.get("LETTER_LINK_OPENS", "5"))

# Evidence uploads: larger files are refused by the form; this keeps big uploads on disk.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# A form's text (files aside) and how many fields and files one request may carry; a request larger
# than MAX_UPLOAD_REQUEST_BYTES in all (a report's files may come to 25 MB) is refused unread
# with a page saying so (incidents.middleware.RequestTooLargeMiddleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 20
MAX_UPLOAD_REQUEST_BYTES = int(os.environ.get("MAX_UPLOAD_REQUEST_BYTES", str(30 * 1024 * 1024)))

# A session ends after DJANGO_SESSION_IDLE_MINUTES without a request (every request starts the
# count again), and when the browser closes (the cookie is kept for no longer than the browser runs).
SESSION_COOKIE_AGE = 60 * int(os.environ.get("DJANGO_SESSION_IDLE_MINUTES", "30"))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
X_FRAME_OPTIONS = "DENY"

# The two keys that make the records trustworthy against someone with the database (incidents/keys.py),
# both kept outside it: the audit key seals every case's timeline and the register of exports
# (HMAC-SHA256); the signing key (Ed25519) signs the manifest of every case bundle and subject access
# export. Each from a file (readable only by the product's account) or, for the audit key, a variable.
AUDIT_KEY = os.environ.get("CASEWORK_AUDIT_KEY", "")
AUDIT_KEY_FILE = os.environ.get("CASEWORK_AUDIT_KEY_FILE", "")
SIGNING_KEY_FILE = os.environ.get("CASEWORK_SIGNING_KEY_FILE", "")
# Who the signature names ("Rainow Primary School" or the trust); default: the school of the bundle.
SIGNER_NAME = os.environ.get("CASEWORK_SIGNER_NAME", "")
# Without those keys, fixed development keys (printed in the source, so worthless as secrets) are
# used only with DJANGO_DEBUG, in the tests, or with CASEWORK_DEV_KEYS=1 (benchmarks, test helpers);
# anywhere else recording an event is refused, and `check --deploy` names what is missing.
DEV_KEYS = DEBUG or env_bool("CASEWORK_DEV_KEYS") or "pytest" in sys.modules

# HTTPS, set in production (README, "Running in production"): off by default so that `make run`
# and the tests work over plain HTTP.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT")
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD")
# Behind a reverse proxy that ends TLS and sets X-Forwarded-Proto (and removes any the client sent).
if env_bool("DJANGO_BEHIND_HTTPS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy (django-csp): the pages load only the app's own CSS, run no script of
# their own (the Django admin loads its own script files), have no inline style or script, and
# cannot be framed. Letters and bundles are PDFs made on the server and load nothing from a page.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
