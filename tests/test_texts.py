"""A step's texts: stored and written in English, shown in the reader's language (ec_console/texts.py).

The German here comes from a small catalog compiled by the test (not the product's), so the expected texts
are the test's own.
"""

from __future__ import annotations

import copy
import json
import pickle

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from ec_console import i18n, texts
from ec_console.checks import StepResult, StepStatus, shown_detail, shown_title
from ec_console.render import render_step
from ec_console.texts import localized, say, say_n

GERMAN = {
    "Connected to {host} port {port}{via}": "Verbunden mit {host}, Port {port}{via}",
    " through the proxy {proxy}": " über den Proxy {proxy}",
    "Opened the calendar of {mailbox} {how}": "Kalender von {mailbox} {how} geöffnet",
    "impersonating it": "per Identitätswechsel",
    "Connect to the server": "Mit dem Server verbinden",
    "{detail}: {error}": "{detail}: {error}",
    "Autodiscover failed": "AutoErmittlung fehlgeschlagen",
}
PLURAL = ("{n} busy block in the next {days} days", "{n} busy blocks in the next {days} days",
          ("{n} belegter Block in den nächsten {days} Tagen",
           "{n} belegte Blöcke in den nächsten {days} Tagen"))


@pytest.fixture
def german(tmp_path, monkeypatch):
    catalog = Catalog(locale="de", domain="ec_console")
    for english, german in GERMAN.items():
        catalog.add(english, german)
    catalog.add((PLURAL[0], PLURAL[1]), PLURAL[2])
    mo = tmp_path / "ec_console.mo"
    with mo.open("wb") as handle:
        write_mo(handle, catalog)
    monkeypatch.setattr(i18n, "catalog_path", lambda code: mo)
    monkeypatch.setattr(texts, "catalog_path", lambda code: mo)
    i18n.reload_catalogs()
    i18n.set_language("de")
    yield
    i18n.set_language(None)
    i18n.reload_catalogs()


def test_a_said_text_is_its_english_everywhere_a_report_goes():
    text = say("Connected to {host} port {port}{via}", host="mail.contoso.com", port=443, via="")
    assert text == "Connected to mail.contoso.com port 443"
    assert json.dumps({"detail": text}) == '{"detail": "Connected to mail.contoso.com port 443"}'
    for kept in (pickle.loads(pickle.dumps(text)), copy.deepcopy(text)):
        assert kept == "Connected to mail.contoso.com port 443"
        assert type(kept) is str


def test_english_is_shown_as_written():
    i18n.set_language("en")
    try:
        text = say("Opened the calendar of {mailbox} {how}", mailbox="a@contoso.com",
                   how=say("impersonating it"))
        assert localized(text) == "Opened the calendar of a@contoso.com impersonating it"
        assert localized("Anything at all") == "Anything at all"
    finally:
        i18n.set_language(None)


def test_a_said_text_is_shown_from_its_template_with_its_texts_translated_and_its_names_kept(german):
    text = say("Opened the calendar of {mailbox} {how}", mailbox="a@contoso.com", how=say("impersonating it"))
    assert localized(text) == "Kalender von a@contoso.com per Identitätswechsel geöffnet"
    via = say(" through the proxy {proxy}", proxy="proxy.contoso.com:3128")
    text = say("Connected to {host} port {port}{via}", host="mail.contoso.com", port=8443, via=via)
    # a port is not a quantity: no thousands separator
    assert localized(text) == ("Verbunden mit mail.contoso.com, Port 8443 über den Proxy "
                               "proxy.contoso.com:3128")


def test_stored_english_is_shown_in_german_by_the_template_it_was_built_from(german):
    stored = "Opened the calendar of a@contoso.com impersonating it"  # read back from the registry
    assert localized(stored) == "Kalender von a@contoso.com per Identitätswechsel geöffnet"
    assert localized("Connect to the server") == "Mit dem Server verbinden"
    # a caught value that is not a known text (a group's name with spaces) is kept as it is
    assert (localized("Opened the calendar of a@contoso.com Calendar Access Group")
            == "Kalender von a@contoso.com Calendar Access Group geöffnet")


def test_the_number_chooses_the_form_live_and_stored(german):
    one = say_n(PLURAL[0], PLURAL[1], 1, days=7)
    many = say_n(PLURAL[0], PLURAL[1], 1204, days=7)
    assert (one, many) == ("1 busy block in the next 7 days", "1204 busy blocks in the next 7 days")
    assert localized(one) == "1 belegter Block in den nächsten 7 Tagen"
    assert localized(many) == "1.204 belegte Blöcke in den nächsten 7 Tagen"
    assert localized(str(many)) == "1.204 belegte Blöcke in den nächsten 7 Tagen"
    assert localized("1 busy block in the next 7 days") == "1 belegter Block in den nächsten 7 Tagen"


def test_an_unknown_text_is_never_guessed(german):
    assert localized("The server said something new") == "The server said something new"
    # "{detail}: {error}" has too little text of its own to be recognised in a stored sentence
    assert localized("Autodiscover failed: timed out") == "Autodiscover failed: timed out"
    assert localized("") == ""


def test_reports_show_the_step_in_the_readers_language_and_keep_english_in_json(german):
    step = StepResult("tcp", say("Connect to the server"), StepStatus.PASS, 12,
                      say("Connected to {host} port {port}{via}", host="mail.contoso.com", port=443, via=""))
    assert shown_title(step) == "Mit dem Server verbinden"
    assert shown_detail(step) == "Verbunden mit mail.contoso.com, Port 443"
    line = render_step(step)
    assert "Mit dem Server verbinden" in line and "Verbunden mit mail.contoso.com, Port 443" in line
    assert step.to_dict()["title"] == "Connect to the server"
    assert step.to_dict()["detail"] == "Connected to mail.contoso.com port 443"
    stored = StepResult.from_dict(json.loads(json.dumps(step.to_dict())))
    assert shown_detail(stored) == "Verbunden mit mail.contoso.com, Port 443"
