"""`ec-console check exchange|google --report FILE.html|FILE.pdf` against the sandbox (in process)."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess

import pytest

from ec_console import cli
from ec_console.sandbox import Sandbox


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(google=True) as box:
        yield box


def run(capsys, monkeypatch, *args: str, password: str | None = None) -> tuple[int, str, str]:
    if password is None:
        monkeypatch.delenv("EC_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("EC_PASSWORD", password)
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def exchange(info, *extra: str) -> list[str]:
    return ["check", "exchange", "--mailbox", info.mailbox_in_scope, "--ews-url", info.ews_url,
            "--username", info.username, "--ca-file", info.ca_file, "--timeout", "5", *extra]


needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None and not os.environ.get("CI"),
                                     reason="pdftotext (poppler-utils) is not installed; CI installs it")


@needs_pdftotext
def test_a_passing_check_writes_a_one_page_pdf_besides_the_json(sandbox, capsys, monkeypatch, tmp_path):
    info = sandbox.info()
    target = tmp_path / "ada.pdf"
    code, out, err = run(capsys, monkeypatch, *exchange(info, "--write-probe", "--expect-denied",
                                                        info.mailbox_out_of_scope, "--json",
                                                        "--report", str(target)), password=info.password)
    assert code == 0, err
    assert json.loads(out)["result"] == "pass"                       # stdout is still the --json report
    assert str(target) in err
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(target), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = " ".join(text.split())
    assert info.mailbox_in_scope in flat and "Create and delete a test item" in flat
    assert info.password not in text
    pages = subprocess.run(["pdfinfo", str(target)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", pages, re.M), pages             # a typical passing check: one page


def test_a_failed_check_writes_the_html_report_with_its_diagnosis(sandbox, capsys, monkeypatch, tmp_path):
    info = sandbox.info()
    target = tmp_path / "ceo.HTML"
    argv = exchange(info, "--report", str(target))
    argv[argv.index("--mailbox") + 1] = info.mailbox_out_of_scope
    code, out, err = run(capsys, monkeypatch, *argv, password=info.password)
    assert code == 1, err
    assert "FAIL" in out                                              # the terminal report as before
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and info.mailbox_out_of_scope in page
    assert "impersonation_denied" in page and info.password not in page


@pytest.mark.parametrize("name", ["report.txt", "report.json", "report"])
def test_another_extension_is_refused_before_any_work(sandbox, capsys, monkeypatch, tmp_path, name):
    info = sandbox.info()
    sandbox.requests.clear()
    # No password is set: the refusal comes before the secret is even asked for.
    code, out, err = run(capsys, monkeypatch, *exchange(info, "--json", "--report", str(tmp_path / name)))
    assert code == 2
    assert ".html or .pdf" in err and json.loads(out)["error"]["code"] == "bad_input"
    assert not sandbox.requests and list(tmp_path.iterdir()) == []


def test_google_check_writes_a_report_too(sandbox, capsys, monkeypatch, tmp_path):
    google = sandbox.google.info()
    target = tmp_path / "google.html"
    user = google.users["ok"]
    code, out, err = run(capsys, monkeypatch, "check", "google", "--key-file", google.key_file,
                         "--admin", google.admin_email, "--user", user, "--api-root", google.api_root,
                         "--ca-file", google.ca_file, "--timeout", "5", "--report", str(target))
    assert code == 0, (out, err)
    page = target.read_text(encoding="utf-8")
    assert user in page and "PRIVATE KEY" not in page
    code, _out, err = run(capsys, monkeypatch, "check", "google", "--key-file", google.key_file,
                          "--admin", google.admin_email, "--user", user, "--report",
                          str(tmp_path / "g.docx"))
    assert code == 2 and ".html or .pdf" in err


def _data_keys(report: dict) -> list[list[str]]:
    return [sorted((step.get("data") or {}).keys()) for step in report["steps"]]


@needs_pdftotext
def test_a_german_report_labels_the_step_data_in_german_and_json_keeps_the_keys(sandbox, capsys, monkeypatch,
                                                                                tmp_path, compiled_catalogs):
    from ec_console import i18n
    i18n.set_language(None)                                  # the command line follows LANG
    info = sandbox.info()
    reports = {}
    for lang in ("en_US.UTF-8", "de_DE.UTF-8"):
        monkeypatch.setenv("LANG", lang)
        for suffix in ("html", "pdf"):
            target = tmp_path / f"{lang[:2]}.{suffix}"
            code, out, err = run(capsys, monkeypatch, *exchange(info, "--json", "--report", str(target)),
                                 password=info.password)
            assert code == 0, err
            reports[lang[:2], suffix] = json.loads(out)
    i18n.set_language(None)
    page = re.sub(r"<[^>]+>", " ", (tmp_path / "de.html").read_text(encoding="utf-8"))
    pdf = subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp_path / "de.pdf"), "-"], capture_output=True,
                         text=True, check=True).stdout
    for text in (" ".join(page.split()), " ".join(pdf.split())):
        assert re.search(rf"EWS-URL:? {re.escape(info.ews_url)}", text), text      # HTML: <dt>, PDF: "label:"
        assert "Serverversion › Build" in text and "Authentifizierung" in text
        assert "ews url" not in text and "server version" not in text and "auth type" not in text
    english = re.sub(r"<[^>]+>", " ", (tmp_path / "en.html").read_text(encoding="utf-8"))
    assert "server version › build" in english and "authentication" in english
    # --json keeps the providers' keys whatever the language.
    assert _data_keys(reports["de", "html"]) == _data_keys(reports["en", "html"])
    keys = {key for step in _data_keys(reports["de", "pdf"]) for key in step}
    assert {"ews_url", "server_version", "auth_type"} <= keys
