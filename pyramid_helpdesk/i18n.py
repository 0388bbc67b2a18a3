"""Two languages, one catalog: Simplified Chinese and English.

Pages use the locale :func:`negotiate_locale` picks (the person's profile, then the
language switcher's cookie, then the browser's Accept-Language, then
``helpdesk.default_locale``); notifications use their recipient's
(:func:`language_of`). The gettext catalog is ``pyramid_helpdesk/locale``.
"""
from __future__ import annotations

from importlib.resources import files

from pyramid.i18n import Localizer, TranslationStringFactory, make_localizer

_ = TranslationStringFactory("pyramid_helpdesk")

LOCALES = ("en", "zh_CN")
LOCALE_NAMES = {"en": "English", "zh_CN": "中文"}
LOCALE_COOKIE = "helpdesk_locale"

#: The gettext catalogs: ``<locale>/LC_MESSAGES/pyramid_helpdesk.mo``.
LOCALE_DIR = str(files("pyramid_helpdesk").joinpath("locale"))

_localizers: dict[tuple[str, str], Localizer] = {}


def language_of(locale: str | None, default_locale: str) -> str:
    """One of :data:`LOCALES` for a stored locale: Chinese for any ``zh...``,
    English for any other, ``default_locale`` when there is none."""
    if not locale:
        return default_locale
    return "zh_CN" if locale.lower().replace("-", "_").startswith("zh") else "en"


def localizer_for(locale: str) -> Localizer:
    """The (cached) localizer of ``locale`` over the package's catalogs."""
    key = (locale, LOCALE_DIR)
    if key not in _localizers:
        _localizers[key] = make_localizer(locale, [LOCALE_DIR])
    return _localizers[key]


def negotiate_locale(request) -> str:
    """The page language: profile, switcher cookie, Accept-Language, then the default."""
    default = request.helpdesk_settings.default_locale
    person = request.identity
    if person is not None and person.locale:
        return language_of(person.locale, default)
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen in LOCALES:
        return chosen
    offered = request.accept_language.lookup(["zh-CN", "zh", "en"], default="")
    return language_of(offered, default) if offered else default


def includeme(config):
    """The catalog, the negotiator and the language switcher."""
    config.add_translation_dirs("pyramid_helpdesk:locale")
    config.set_locale_negotiator(negotiate_locale)
    config.add_route("i18n.switch", "/language")
    config.scan(".i18n_views")


# Values that templates translate as they are shown (``i18n:translate`` on a ticket's
# status or priority): listed here so that message extraction finds them.
TRANSLATED_VALUES = (
    _("new"), _("open"), _("pending"), _("resolved"), _("closed"),
    _("low"), _("normal"), _("high"), _("urgent"),
)
