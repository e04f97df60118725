"""The core's language (ec_console/i18n.py): gettext's choice of language, the catalogs, plurals through
`count()`, texts translated when shown, and dates and numbers in the chosen language."""

from __future__ import annotations

from datetime import datetime

import pytest

from ec_console import i18n
from ec_console.words import count

LANGUAGE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture
def environment(monkeypatch):
    """Set exactly the given language variables (the others unset); the GUI's own choice cleared."""
    def set_only(**values: str) -> str:
        for name in LANGUAGE_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        return i18n.current_language()
    i18n.set_language(None)
    yield set_only
    i18n.set_language(None)


@pytest.mark.parametrize(("variables", "expected"), [
    ({"LANG": "de_DE.UTF-8"}, "de"),
    ({"LANG": "en_GB.UTF-8"}, "en"),
    ({"LANG": "fr_FR.UTF-8"}, "en"),                          # no French catalog: the source language
    ({"LANG": "C.UTF-8"}, "en"),
    ({}, "en"),
    ({"LC_MESSAGES": "de_AT.UTF-8", "LANG": "en_US.UTF-8"}, "de"),  # LC_MESSAGES before LANG
    ({"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "de_DE.UTF-8"}, "en"),  # LC_ALL before LC_MESSAGES
    ({"LANGUAGE": "fr:de:en", "LANG": "en_US.UTF-8"}, "de"),  # LANGUAGE first, its first shipped entry
    ({"LANGUAGE": "de", "LC_ALL": "C"}, "en"),                # as gettext: LANGUAGE means nothing under C
    ({"LC_MESSAGES": "de_CH@euro"}, "de"),
])
def test_language_is_chosen_from_the_environment_in_gettexts_order(environment, variables, expected):
    assert environment(**variables) == expected


def test_the_guis_choice_overrides_the_environment(environment):
    environment(LANG="de_DE.UTF-8")
    i18n.set_language("en")
    assert i18n.current_language() == "en"
    i18n.set_language(None)
    assert i18n.current_language() == "de"


def test_german_catalog_translates_and_english_needs_none(environment, compiled_catalogs):
    environment(LANG="de_DE.UTF-8")
    assert i18n._("usage: ") == "Aufruf: "
    assert i18n._("a text no catalog knows") == "a text no catalog knows"
    environment(LANG="en_US.UTF-8")
    assert i18n._("usage: ") == "usage: "


def test_count_pluralises_and_groups_digits_in_the_chosen_language(environment, compiled_catalogs):
    environment(LANG="en_US.UTF-8")
    assert count(1, "profile", "profiles") == "1 profile"
    assert count(1204, "profile", "profiles") == "1,204 profiles"
    environment(LANG="de_DE.UTF-8")
    assert count(1, "profile", "profiles") == "1 Profil"
    assert count(0, "profile", "profiles") == "0 Profile"
    assert count(1204, "application", "applications") == "1.204 Anwendungen"
    # A noun the catalog does not know keeps the English rule and text.
    assert count(2, "widget", "widgets") == "2 widgets"


# Defined at import time, as the diagnosis tables are: the language is only known when it is shown.
TABLE = {"usage": i18n.lazy("usage: ")}


def test_a_lazy_text_is_translated_each_time_it_is_shown(environment, compiled_catalogs):
    environment(LANG="en_US.UTF-8")
    assert str(TABLE["usage"]) == "usage: "
    environment(LANG="de_DE.UTF-8")
    assert str(TABLE["usage"]) == "Aufruf: "
    assert f"{TABLE['usage']}ec-console" == "Aufruf: ec-console"
    assert TABLE["usage"] + "x" == "Aufruf: x"
    assert i18n.N_("usage: ") == "usage: "  # a marker only


def test_dates_and_numbers_for_people_follow_the_language(environment):
    moment = datetime(2026, 12, 3, 15, 4, 5)
    environment(LANG="en_US.UTF-8")
    assert i18n.format_number(1234567) == "1,234,567"
    assert "Dec 3, 2026" in i18n.format_datetime(moment)
    environment(LANG="de_DE.UTF-8")
    assert i18n.format_number(1234567) == "1.234.567"
    assert "03.12.2026" in i18n.format_datetime(moment)
    assert i18n.format_date(moment) == "03.12.2026"
