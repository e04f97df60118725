"""`phrases.Phrase`: English where machines read it (its `str` value: --json, the registry), the current
language where people read it (`shown`)."""

from __future__ import annotations

import copy
import json
import pickle

import pytest

from ec_console import i18n
from ec_console.phrases import Phrase, joined, shown

LATE = "the last scheduled run was {hours} hours ago, but the job runs every {every}: runs were missed " \
       "(the computer was asleep or off, or the job could not start)"


@pytest.fixture
def german(compiled_catalogs):
    i18n.set_language("de")
    yield
    i18n.set_language(None)


def test_a_phrase_is_its_english_text_wherever_a_string_is_used():
    late = Phrase(LATE, hours=16.0, every="6h")
    assert late == ("the last scheduled run was 16.0 hours ago, but the job runs every 6h: runs were missed "
                    "(the computer was asleep or off, or the job could not start)")
    assert isinstance(late, str) and "missed" in late and late.startswith("the last")
    assert json.dumps({"problems": [late]}) == json.dumps({"problems": [str(late)]})
    assert shown(late) == late                                 # English: shown as it is
    assert shown("a plain text") == "a plain text"


def test_a_phrase_is_shown_in_german_with_its_numbers_in_german_form(german):
    late = Phrase(LATE, hours=16.04, every="6h")
    assert str(late).startswith("the last scheduled run was 16.0 hours ago")   # unchanged in German too
    assert shown(late).startswith("die letzte geplante Ausführung war vor 16,0 Stunden, aber der Auftrag "
                                  "läuft alle 6h")


def test_nested_and_joined_phrases_are_shown_part_by_part(german):
    inner = Phrase("{name} could not be read: {why}", name="Scope group", why="HTTP 403")
    outer = Phrase("reconciliation: {what}", what=joined([inner, "a plain note"]))
    assert outer == "reconciliation: Scope group could not be read: HTTP 403; a plain note"
    assert shown(outer) == "Abgleich: Scope group konnte nicht gelesen werden: HTTP 403; a plain note"
    braces = joined(["a", "b"], " {|} ")
    assert braces == "a {|} b" and shown(braces) == "a {|} b"


def test_an_unknown_template_shows_as_english_and_copies_keep_the_template(german):
    odd = Phrase("not in any catalog: {x}", x=Phrase("the webhook answered HTTP {status}", status=404))
    assert shown(odd) == "not in any catalog: der Webhook hat mit HTTP 404 geantwortet"
    for copied in (copy.copy(odd), copy.deepcopy(odd), pickle.loads(pickle.dumps(odd))):
        assert isinstance(copied, Phrase) and copied == odd and shown(copied) == shown(odd)


def test_a_phrase_read_back_from_the_registry_as_plain_english_is_shown_in_german(german):
    stored = str(Phrase(LATE, hours=16.0, every="6h"))     # the registry keeps only the English
    assert type(stored) is str
    assert shown(stored).startswith("die letzte geplante Ausführung war vor 16.0 Stunden, aber der Auftrag "
                                    "läuft alle 6h")
    assert shown("a text no template made") == "a text no template made"
