"""The console's language for its Qt-free texts (CLI, reports, diagnoses): gettext catalogs and Babel.

- The language: set by the GUI (`set_language`, the same choice as View → Language), otherwise taken from
  the environment in gettext's order (`LANGUAGE`, `LC_ALL`, `LC_MESSAGES`, `LANG`). A language with no
  catalog falls back to English, the source language (it has no catalog).
- Catalogs: domain `ec_console`, `ec_console/locale/<lang>/LC_MESSAGES/ec_console.mo`, compiled from the
  `.po` beside it by the build (`ec_console/i18n_build.py`; docs/i18n.md).
- `_()` and `ngettext()` translate now; `N_()` only marks a text for extraction (a table built at import
  time keeps the English text and translates it with `_()` where it is shown); `lazy()` is a text that
  translates itself each time it is turned into a string.
- Dates and numbers for people: `format_number`, `format_datetime` (Babel, the chosen language). Registry
  rows and `--json` stay ISO 8601 UTC with English codes and field names: never pass them through here.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the command line's start does not need datetime
    from datetime import datetime

DOMAIN = "ec_console"
SOURCE_LANGUAGE = "en"
# Languages the console ships, with their names in their own language (View → Language lists them).
LANGUAGES: dict[str, str] = {"en": "English", "de": "Deutsch"}
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
ENVIRONMENT_ORDER = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_chosen: str | None = None  # set by the GUI; None: follow the environment


def language_code(value: str | None) -> str | None:
    """The shipped language a locale name means ("de_DE.UTF-8" → "de"), or None (unknown, "C", empty)."""
    if not value:
        return None
    code = value.split(".", 1)[0].split("@", 1)[0].replace("-", "_").split("_", 1)[0].strip().lower()
    return code if code in LANGUAGES else None


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The language gettext would choose from the environment, among the shipped ones (English if none).

    As in gettext, the first of LANGUAGE, LC_ALL, LC_MESSAGES, LANG that is set decides; LANGUAGE may list
    several languages separated by colons (the first shipped one wins). "C" and "POSIX" mean English.
    """
    env = os.environ if environ is None else environ
    for name in ENVIRONMENT_ORDER:
        value = env.get(name, "").strip()
        if not value:
            continue
        if name == "LANGUAGE":
            # gettext ignores LANGUAGE when the locale is "C" (LC_ALL / LC_MESSAGES / LANG); so do we.
            others = [env.get(n, "").strip() for n in ENVIRONMENT_ORDER[1:]]
            locale_name = next((o for o in others if o), "")
            if locale_name in ("C", "POSIX"):
                return SOURCE_LANGUAGE
            for part in value.split(":"):
                code = language_code(part)
                if code:
                    return code
            continue
        return language_code(value) or SOURCE_LANGUAGE
    return SOURCE_LANGUAGE


def set_language(code: str | None) -> None:
    """Use `code` ("en", "de") for every text from now on; None follows the environment again."""
    global _chosen
    _chosen = language_code(code) if code else None


def current_language() -> str:
    return _chosen or language_from_environment()


def catalog_path(code: str) -> Path:
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.mo"


@lru_cache(maxsize=8)
def _translations(code: str) -> gettext.NullTranslations:
    if code == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    try:
        with catalog_path(code).open("rb") as handle:
            return gettext.GNUTranslations(handle)
    except OSError:  # not compiled (a source tree before `make`): English rather than a failure
        return gettext.NullTranslations()


def reload_catalogs() -> None:
    """Forget the loaded catalogs (after they were compiled again)."""
    _translations.cache_clear()


def _(message: str) -> str:
    """`message` in the current language."""
    return _translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of `singular` / `plural` that fits `n`, in the current language."""
    return _translations(current_language()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name
    """Marks `message` for extraction only; translate it with `_()` where it is shown."""
    return message


class lazy:  # noqa: N801 - reads like gettext's lazy helpers
    """A text defined at import time that is translated each time it is shown (`str()`, f-strings, `%`)."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __str__(self) -> str:
        return _(self.message)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"lazy({self.message!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, lazy):
            return self.message == other.message
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.message)

    def __add__(self, other: str) -> str:
        return str(self) + other

    def __radd__(self, other: str) -> str:
        return other + str(self)

    def __mod__(self, values: object) -> str:
        return str(self) % values


def babel_locale() -> str:
    """The Babel locale name of the current language ("en", "de")."""
    return current_language()


def format_number(n: int | float) -> str:
    """A number for people: "1,204" in English, "1.204" in German."""
    language = current_language()
    if language == SOURCE_LANGUAGE:  # English without loading Babel (the CLI's cold start)
        return f"{n:,}"
    from babel.numbers import format_decimal

    return format_decimal(n, locale=language)


def format_datetime(moment: datetime, length: str = "medium") -> str:
    """A date and time for people in the current language (local time if `moment` carries a zone).

    Never for the registry or `--json`: those stay ISO 8601 UTC.
    """
    from babel.dates import format_datetime as babel_format

    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return babel_format(moment, length, locale=babel_locale())


def format_date(moment: datetime, length: str = "medium") -> str:
    from babel.dates import format_date as babel_format

    return babel_format(moment, length, locale=babel_locale())
