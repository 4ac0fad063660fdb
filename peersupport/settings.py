"""The one settings file. Everything that differs between machines comes from the
environment through the strict readers in ``peersupport.lib.env``; see the table in
README.md."""

from __future__ import annotations

import ipaddress
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from cryptography.fernet import Fernet

from peersupport.lib.env import ConfigurationError, read_bool, read_int, read_list, read_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(read_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = read_bool("DEBUG", True)
DEMO_MODE = read_bool("DEMO_MODE", False)
REQUIRE_MFA = read_bool("REQUIRE_MFA", not DEMO_MODE)


def _development_secret(filename: str, make: str) -> str:
    """A secret generated once into var/ and reused, for development only."""
    path = VAR_DIR / filename
    if not path.exists():
        path.write_text(make)
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = read_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ConfigurationError("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _development_secret("secret_key", secrets.token_urlsafe(64))

# Comma-separated Fernet keys; the first encrypts, all decrypt, so a key can be rotated
# by putting a new one first and running manage.py rotate_field_key.
FIELD_ENCRYPTION_KEYS = read_list("FIELD_ENCRYPTION_KEY", [])
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ConfigurationError("FIELD_ENCRYPTION_KEY must be set when DEBUG is off.")
    FIELD_ENCRYPTION_KEYS = [
        _development_secret("field_encryption_key", Fernet.generate_key().decode())
    ]
for _key in FIELD_ENCRYPTION_KEYS:
    try:
        Fernet(_key)
    except ValueError:
        raise ConfigurationError(
            "FIELD_ENCRYPTION_KEY holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from None

ALLOWED_HOSTS = read_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ConfigurationError("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = read_list("CSRF_TRUSTED_ORIGINS", [])

# The demo keeps its own database file, so accounts with the published demo password
# never end up in a real installation's database.
DATABASE_URL = read_str(
    "DATABASE_URL",
    f"sqlite:///{VAR_DIR / ('demo.sqlite3' if DEMO_MODE else 'peersupport.sqlite3')}",
)
if DATABASE_URL.split("://", 1)[0] not in ("sqlite", "postgres", "postgresql"):
    raise ConfigurationError(
        "DATABASE_URL must be sqlite:///path/to/file or postgres://user@host:port/name."
    )
try:
    DATABASES = {"default": environ.Env.db_url_config(DATABASE_URL)}
except Exception as error:  # django-environ raises several kinds on a bad URL
    raise ConfigurationError(
        f"DATABASE_URL is not a database URL Django can use: {error}"
    ) from None
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = read_int("CONN_MAX_AGE", 0, minimum=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

try:
    _email = environ.Env.email_url_config(read_str("EMAIL_URL", "consolemail://"))
except Exception as error:
    raise ConfigurationError(f"EMAIL_URL is not an e-mail URL: {error}") from None
vars().update(_email)
# The address staff reach the site at, for links in e-mails sent by the daily job.
SITE_URL = read_str("SITE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = read_str("DEFAULT_FROM_EMAIL", "Peer support <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    # Our apps, in the order of DESIGN.md: an app imports only from apps above it.
    "peersupport.schools",
    "peersupport.audit",
    "peersupport.accounts",
    "peersupport.tasks",
    "peersupport.students",
    "peersupport.training",
    "peersupport.programmes",
    "peersupport.meetings",
    "peersupport.matching",
    "peersupport.concerns",
    "peersupport.wellbeing",
    "peersupport.partners",
    "peersupport.reports",
    "peersupport.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "peersupport.accounts.middleware.SessionLimitsMiddleware",
    "peersupport.accounts.middleware.CurrentSchoolMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "peersupport.urls"
WSGI_APPLICATION = "peersupport.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "peersupport" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "peersupport.accounts.context_processors.navigation",
            ],
        },
    }
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: e-mail sign-in, no self sign-up (staff are invited), MFA with TOTP
# and recovery codes, re-authentication before e-mail or MFA changes.
ACCOUNT_ADAPTER = "peersupport.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# A new e-mail address must be confirmed from its inbox before it replaces the old one.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# Confirming it is you again takes the password or the two-step code, never a code
# sent by e-mail (offered by allauth from 65.22): whoever holds a signed-in session
# may hold the mailbox too.
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "mfa")
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Peer support] "
ACCOUNT_LOGOUT_ON_GET = False
# Reset by a code typed into the page: allauth's reset links carry the user's integer id.
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
# Password lockout is django-axes' job (below), so there is one rule, one message and
# one place a coordinator can unlock; our adapter keeps allauth from counting password
# failures too. allauth's limit still guards the two-step codes: 5 wrong codes for
# one account within 15 minutes block further tries.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/15m/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = read_str("MFA_TOTP_ISSUER", "Peer support")
MFA_ADAPTER = "peersupport.accounts.adapters.MFAAdapter"

# django-axes: 5 failures for one account, or from one address, within 15 minutes
# lock that account or address for 15 minutes from the last failure. Addresses in
# SCHOOL_NETWORKS (the school's own network, where every pupil and member of staff
# shares one public address) are locked per account only, so a few typos in a
# classroom cannot lock out the whole school. A successful sign-in clears only that
# account's failures (axes' own reset would also clear the address's failures, which
# let anyone with an account reset the count against someone else's).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = "peersupport.accounts.lockout.lockout_parameters"
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "peersupport.audit.services.client_address"
TRUSTED_PROXY_COUNT = read_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
try:
    SCHOOL_NETWORKS = [ipaddress.ip_network(n) for n in read_list("SCHOOL_NETWORKS", [])]
except ValueError as error:
    raise ConfigurationError(
        f"SCHOOL_NETWORKS holds a value that is not a network: {error}"
    ) from None
AXES_USERNAME_CALLABLE = "peersupport.accounts.lockout.username_from_request"
AXES_LOCKOUT_CALLABLE = "peersupport.accounts.lockout.locked_out_response"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

# Sessions: 30 minutes idle (the cookie and the stored session are renewed on each
# request) and 12 hours in all (enforced by SessionLimitsMiddleware).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_LIMIT = timedelta(hours=12)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "peersupport" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = read_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = read_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if read_bool("TRUST_X_FORWARDED_PROTO", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The cache holds rate limits and used two-step codes, so every app server must share
# it: the database is the one thing they already share (run createcachetable).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "peersupport_cache",
    }
}

# Counts below this are hidden in reports that leave the coordinator's hands.
SMALL_NUMBER_THRESHOLD = read_int("SMALL_NUMBER_THRESHOLD", 5, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
