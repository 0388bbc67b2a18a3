"""Every ``helpdesk.*`` setting: its default, its parser and its validation.

Settings are parsed once, at start-up, into a frozen :class:`HelpdeskSettings`
kept on the registry (``registry.helpdesk_settings``). A wrong value raises
:class:`SettingsError`, whose message is one line naming the key and what was
expected. Any value written as ``env:NAME`` is read from the environment
variable ``NAME`` (production.ini uses this for the database URL and secrets).
"""
from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable, Mapping
from zoneinfo import ZoneInfo

from .errors import ConfigurationError
from .sla.hours import WeeklyHours, parse_service_hours
from .sla.policies import Policies, parse_targets


class SettingsError(ConfigurationError):
    """A setting has a value the helpdesk cannot use."""

    def __init__(self, key: str, expected: str, value: Any = None):
        self.key = key
        self.expected = expected
        shown = "" if value is None else f", got {str(value)!r}"
        super().__init__(f"setting {key}: expected {expected}{shown}")


# -- parsers: each takes the raw string and returns the value or raises ValueError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?\s*$")
_DURATION_UNITS = {"ms": 0.001, "s": 1, None: 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
_SIZE = re.compile(r"^\s*(\d+)\s*(b|kb|k|mb|m|gb|g)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {None: 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2,
               "g": 1024**3, "gb": 1024**3}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_words(raw: str) -> tuple[str, ...]:
    """A list of words separated by white space or commas."""
    return tuple(w for w in re.split(r"[\s,]+", raw.strip()) if w)


def parse_bool(raw: str) -> bool:
    """``true/false``, ``yes/no``, ``on/off``, ``1/0``."""
    value = raw.strip().lower()
    if value in {"true", "yes", "on", "1"}:
        return True
    if value in {"false", "no", "off", "0"}:
        return False
    raise ValueError(raw)


def parse_duration(raw: str) -> timedelta:
    """``90``, ``90s``, ``5m``, ``2h``, ``1d``, ``250ms``."""
    match = _DURATION.match(raw)
    if not match:
        raise ValueError(raw)
    return timedelta(seconds=float(match.group(1)) * _DURATION_UNITS[match.group(2)])


def parse_size(raw: str) -> int:
    """A byte count: ``512``, ``64KB``, ``20MB``, ``1GB``."""
    match = _SIZE.match(raw)
    if not match:
        raise ValueError(raw)
    unit = match.group(2).lower() if match.group(2) else None
    return int(match.group(1)) * _SIZE_UNITS[unit]


def parse_positive_int(raw: str) -> int:
    """A whole number greater than zero."""
    value = int(raw.strip())
    if value <= 0:
        raise ValueError(raw)
    return value


def parse_required(raw: str) -> str:
    """A value that may not be empty (plugins: host names, base DNs...)."""
    value = raw.strip()
    if not value:
        raise ValueError(raw)
    return value


def parse_port(raw: str) -> int:
    """A TCP port, 1-65535."""
    value = parse_positive_int(raw)
    if value > 65535:
        raise ValueError(raw)
    return value


def parse_readable_file(raw: str) -> str:
    """A file this process can read, or empty for none (CA files and the like)."""
    value = raw.strip()
    if value and not os.access(value, os.R_OK):
        raise ValueError(raw)
    return value


def parse_timeout(raw: str) -> timedelta:
    """A duration greater than zero, such as 5s."""
    value = parse_duration(raw)
    if value <= timedelta(0):
        raise ValueError(raw)
    return value


def parse_email(raw: str) -> str:
    """One e-mail address."""
    value = raw.strip()
    if not _EMAIL.match(value):
        raise ValueError(raw)
    return value


def parse_secret(raw: str) -> str:
    """A secret of at least 32 characters."""
    value = raw.strip()
    if len(value) < 32:
        raise ValueError("(hidden)")
    return value


def parse_optional_secret(raw: str) -> str:
    """Empty (none), or a secret of at least 32 characters."""
    value = raw.strip()
    return parse_secret(value) if value else ""


def parse_url(raw: str) -> str:
    """An absolute http(s) URL, kept without its trailing slash."""
    value = raw.strip().rstrip("/")
    if not re.match(r"^https?://[^/\s]+", value):
        raise ValueError(raw)
    return value


def parse_ticket_number_format(raw: str) -> str:
    """A format string with ``{id}`` (and optionally ``{year}``), e.g. ``HD-{id:06d}``."""
    value = raw.strip()
    if "{id" not in value:
        raise ValueError(raw)
    value.format(id=1, year=2026)  # raises on a broken format
    return value


def parse_locale(raw: str) -> str:
    """A language notifications can be written in: ``en`` or ``zh_CN``."""
    value = raw.strip()
    if value not in {"en", "zh_CN"}:
        raise ValueError(raw)
    return value


def parse_domains(raw: str) -> tuple[str, ...]:
    """Mail domains such as ``example.org``, lower-cased; empty for any domain."""
    domains = tuple(word.lower().lstrip("@") for word in parse_words(raw))
    if not all(re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", domain) for domain in domains):
        raise ValueError(raw)
    return domains


def parse_rate_limit(raw: str) -> tuple:
    """One or more rates such as ``10/minute`` or ``10/minute;100/day`` (``limits`` items)."""
    from limits import parse_many

    return tuple(parse_many(raw))


RATES = "rates such as 10/minute or 10/minute;100/day"

#: Rate-limit storages whose counters support the moving window.
RATE_LIMIT_STORAGES = {"memory", "redis", "rediss", "redis+unix", "redis+sentinel",
                       "redis+cluster"}


def parse_rate_limit_storage(raw: str) -> str:
    """A ``limits`` storage URI: ``memory://`` or ``redis://HOST:PORT/DB`` and its kin."""
    value = raw.strip()
    if value.partition("://")[0] not in RATE_LIMIT_STORAGES or "://" not in value:
        raise ValueError(raw)
    return value


def parse_calendar(raw: str) -> str:
    """A holiday source: ``cn`` (the PRC calendar of ``chinesecalendar``) or ``none``."""
    value = raw.strip().lower()
    if value not in {"cn", "none"}:
        raise ValueError(raw)
    return value


def parse_argon2_profile(raw: str) -> str:
    """The name of an ``argon2.profiles`` cost profile."""
    from argon2 import profiles

    value = raw.strip().upper()
    if not hasattr(profiles, value):
        raise ValueError(raw)
    return value


#: What requesters may attach by default: office documents, images, text, archives
#: and mail, by extension and by the type the browser declares; no executables.
DEFAULT_ATTACHMENT_TYPES = (
    ".pdf .txt .log .csv .md .rtf .json .xml .yaml .yml .doc .docx .xls .xlsx .ppt .pptx "
    ".odt .ods .odp .vsd .vsdx .png .jpg .jpeg .gif .bmp .webp .tif .tiff .heic "
    ".zip .7z .rar .tar .gz .tgz .bz2 .xz .eml .msg "
    "text/plain text/csv text/markdown text/x-log text/rtf text/xml text/yaml application/pdf "
    "application/rtf application/json application/xml application/x-yaml application/msword "
    "application/vnd.ms-* application/vnd.openxmlformats-officedocument.* "
    "application/vnd.oasis.opendocument.* application/vnd.visio image/png image/jpeg "
    "image/gif image/bmp image/webp image/tiff image/heic application/zip "
    "application/x-zip-compressed application/x-7z-compressed application/vnd.rar "
    "application/x-rar-compressed application/x-tar application/gzip application/x-gzip "
    "application/x-compressed-tar application/x-bzip2 application/x-xz message/rfc822 "
    "application/octet-stream"
)
_FILE_TYPE = re.compile(r"\.[a-z0-9]+|[a-z0-9.+-]+/(\*|[a-z0-9.+-]+\*?)")


def parse_file_types(raw: str) -> tuple[str, ...]:
    """Extensions (``.pdf``) and MIME types (``image/png``, ``application/vnd.ms-*``)."""
    words = tuple(word.lower() for word in parse_words(raw))
    if not words or not all(_FILE_TYPE.fullmatch(word) for word in words):
        raise ValueError(raw)
    return words


@dataclass(frozen=True)
class Spec:
    """How one setting is read: its default, its parser and the expectation shown on error."""

    key: str
    default: str
    parse: Callable[[str], Any]
    expected: str


SPECS: tuple[Spec, ...] = (
    Spec("helpdesk.site_name", "Helpdesk", str.strip, "a name"),
    Spec("helpdesk.base_url", "http://localhost:6543", parse_url,
         "an absolute http(s) URL"),
    Spec("helpdesk.plugins", "", parse_words, "plugin names"),
    Spec("helpdesk.routing", "", parse_words, "routing strategy names"),
    Spec("helpdesk.notifiers", "log", parse_words, "notifier names"),
    Spec("helpdesk.ticket_number_format", "HD-{id:06d}", parse_ticket_number_format,
         "a format with {id}, e.g. HD-{id:06d}"),
    Spec("helpdesk.timezone", "Asia/Shanghai", ZoneInfo, "a time zone such as Asia/Shanghai"),
    Spec("helpdesk.service_hours", "mon-fri 08:00-17:00", parse_service_hours,
         "hours such as: mon-fri 08:00-12:00 13:00-17:00; sat 09:00-12:00"),
    Spec("helpdesk.default_locale", "en", parse_locale, "en or zh_CN"),
    Spec("helpdesk.categories", "general network computing accounts software hardware",
         parse_words, "category names"),
    Spec("helpdesk.portal.show_staff_names", "false", parse_bool, "true or false"),
    Spec("helpdesk.session.secret", "", parse_secret, "a secret of at least 32 characters"),
    Spec("helpdesk.session.secure", "false", parse_bool, "true or false"),
    Spec("helpdesk.session.timeout", "12h", parse_duration, "a duration such as 12h"),
    Spec("helpdesk.password.argon2_profile", "RFC_9106_LOW_MEMORY", parse_argon2_profile,
         "an argon2.profiles name such as RFC_9106_LOW_MEMORY"),
    Spec("helpdesk.attachments.dir", "var/attachments", str.strip, "a directory"),
    Spec("helpdesk.attachments.max_size", "20MB", parse_size, "a size such as 20MB"),
    Spec("helpdesk.attachments.max_count", "10", parse_positive_int, "a whole number > 0"),
    Spec("helpdesk.attachments.allowed_types", DEFAULT_ATTACHMENT_TYPES, parse_file_types,
         "file extensions (.pdf) and MIME types (image/png, application/vnd.ms-*)"),
    Spec("helpdesk.mail.sender", "helpdesk@example.org", parse_email, "an e-mail address"),
    Spec("helpdesk.mail.dir", "var/mail", str.strip, "a directory"),
    Spec("helpdesk.worker.batch_size", "50", parse_positive_int, "a whole number > 0"),
    Spec("helpdesk.worker.max_attempts", "8", parse_positive_int, "a whole number > 0"),
    Spec("helpdesk.worker.backoff", "30s", parse_duration, "a duration such as 30s"),
    Spec("helpdesk.worker.poll_interval", "2s", parse_duration, "a duration such as 2s"),
    Spec("helpdesk.registration", "true", parse_bool, "true or false"),
    Spec("helpdesk.registration.domains", "", parse_domains, "mail domains such as example.org"),
    Spec("helpdesk.registration.link_max_age", "2d", parse_duration, "a duration such as 2d"),
    Spec("helpdesk.password.min_length", "10", parse_positive_int, "a whole number > 0"),
    Spec("helpdesk.password.reset_max_age", "1h", parse_duration, "a duration such as 1h"),
    Spec("helpdesk.ratelimit.storage", "memory://", parse_rate_limit_storage,
         "memory:// or a Redis URI such as redis://127.0.0.1:6379/0"),
    Spec("helpdesk.ratelimit.key_prefix", "helpdesk", str.strip, "a name"),
    Spec("helpdesk.ratelimit.login", "10/minute", parse_rate_limit, RATES),
    Spec("helpdesk.ratelimit.login.client", "30/minute", parse_rate_limit, RATES),
    Spec("helpdesk.ratelimit.register", "5/hour", parse_rate_limit, RATES),
    Spec("helpdesk.ratelimit.register.client", "20/hour", parse_rate_limit, RATES),
    Spec("helpdesk.ratelimit.reset", "5/hour", parse_rate_limit, RATES),
    Spec("helpdesk.ratelimit.reset.client", "20/hour", parse_rate_limit, RATES),
    Spec("helpdesk.ratelimit.resend", "5/hour", parse_rate_limit, RATES),
    Spec("helpdesk.ratelimit.resend.client", "20/hour", parse_rate_limit, RATES),
    Spec("helpdesk.ratelimit.api", "600/minute", parse_rate_limit, RATES),
    Spec("helpdesk.duty.now_token", "", parse_optional_secret,
         "empty, or a secret of at least 32 characters"),
    Spec("helpdesk.sla.targets", "default resolution=2h",
         lambda raw: parse_targets(raw, parse_duration),
         "policy lines such as: priority=urgent resolution=1h first_response=15m"),
    Spec("helpdesk.sla.warning_before", "30m", parse_duration, "a duration such as 30m"),
    Spec("helpdesk.calendar", "cn", parse_calendar, "cn or none"),
    Spec("helpdesk.calendar.file", "", str.strip, "a calendar file's path, or empty"),
    Spec("helpdesk.tokens.max_active", "20", parse_positive_int, "a whole number > 0"),
)


@dataclass(frozen=True)
class HelpdeskSettings:
    """The parsed ``helpdesk.*`` settings; read these, never the raw dict."""

    site_name: str
    base_url: str
    plugins: tuple[str, ...]
    routing: tuple[str, ...]
    notifiers: tuple[str, ...]
    ticket_number_format: str
    timezone: ZoneInfo
    service_hours: WeeklyHours
    default_locale: str
    categories: tuple[str, ...]
    portal_show_staff_names: bool
    session_secret: str
    session_secure: bool
    session_timeout: timedelta
    password_argon2_profile: str
    attachments_dir: str
    attachments_max_size: int
    attachments_max_count: int
    attachments_allowed_types: tuple[str, ...]
    mail_sender: str
    mail_dir: str
    worker_batch_size: int
    worker_max_attempts: int
    worker_backoff: timedelta
    worker_poll_interval: timedelta
    registration: bool
    registration_domains: tuple[str, ...]
    registration_link_max_age: timedelta
    password_min_length: int
    password_reset_max_age: timedelta
    ratelimit_storage: str
    ratelimit_key_prefix: str
    ratelimit_login: tuple
    ratelimit_login_client: tuple
    ratelimit_register: tuple
    ratelimit_register_client: tuple
    ratelimit_reset: tuple
    ratelimit_reset_client: tuple
    ratelimit_resend: tuple
    ratelimit_resend_client: tuple
    ratelimit_api: tuple
    duty_now_token: str
    sla_targets: Policies
    sla_warning_before: timedelta
    calendar: str
    calendar_file: str
    tokens_max_active: int
    raw: Mapping[str, str] = field(default_factory=dict, repr=False)

    def ticket_number(self, ticket_id: int, year: int) -> str:
        """The human number of ticket ``ticket_id``."""
        return self.ticket_number_format.format(id=ticket_id, year=year)


def resolve_env(key: str, raw: str) -> str:
    """Return ``raw``, or the environment variable it names when written ``env:NAME``."""
    if not raw.startswith("env:"):
        return raw
    name = raw[4:].strip()
    if name not in os.environ:
        raise SettingsError(key, f"environment variable {name} to be set")
    return os.environ[name]


def read_setting(settings: Mapping[str, Any], key: str, default: str,
                 parse: Callable[[str], Any], expected: str) -> Any:
    """Parse one setting; plugins use this for their own keys."""
    raw = resolve_env(key, str(settings.get(key, default)))
    try:
        return parse(raw)
    except (ValueError, TypeError, KeyError, IndexError, OSError):
        hidden = any(word in key for word in ("secret", "password", "token"))
        shown = None if hidden else raw
        raise SettingsError(key, expected, shown) from None


def parse_settings(settings: Mapping[str, Any]) -> HelpdeskSettings:
    """Parse and validate every ``helpdesk.*`` setting, or raise :class:`SettingsError`."""
    known = {spec.key for spec in SPECS}
    for key in settings:
        if key.startswith("helpdesk.") and key not in known:
            _check_unknown_key(key, known)
    values = {}
    for spec in SPECS:
        attr = spec.key[len("helpdesk."):].replace(".", "_")
        values[attr] = read_setting(settings, spec.key, spec.default, spec.parse, spec.expected)
    here = str(settings.get("here") or os.getcwd())
    for attr in ("attachments_dir", "mail_dir"):
        values[attr] = os.path.join(here, values[attr])
    _check_policy_categories(values["sla_targets"], values["categories"])
    return HelpdeskSettings(**values, raw=dict(settings))


def _check_policy_categories(policies: Policies, categories: tuple[str, ...]) -> None:
    """A service-level policy may only name a category of ``helpdesk.categories``."""
    for policy in policies.lines:
        if policy.category is not None and policy.category not in categories:
            raise SettingsError("helpdesk.sla.targets",
                                "categories of helpdesk.categories", policy.name)


def _check_unknown_key(key: str, known: set[str]) -> None:
    """Plugins own ``helpdesk.<plugin>.*`` keys; anything else, or a near miss of a
    core key (``helpdesk.atachments.dir``), is refused."""
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.85)
    if close:
        raise SettingsError(key, f"a known setting (did you mean {close[0]}?)")
    section = key.split(".")[1]
    core_sections = {s.key.split(".")[1] for s in SPECS if s.key.count(".") >= 2}
    if key.count(".") < 2 or section in core_sections:
        raise SettingsError(key, "a known setting (see docs/settings.md)")
