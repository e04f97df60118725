"""`ec-console audit list|export`: the region's audit log for scripts (in process, no network)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import stat

import pytest
from cli_run import run

from ec_console.registry import Registry


def _seed() -> None:
    with Registry.for_region("us") as registry:
        registry.audit("application_added", "Room booking", "exchange for contoso.example")
        registry.audit("profile_linked", "alice@contoso.example", "linked through Room booking")
        # A cell a spreadsheet would run as a formula (OWASP "CSV Injection": = + - @ start a formula).
        registry.audit("profile_revoked", "bob@contoso.example", '=HYPERLINK("http://x","y")')
        registry.audit("profile_revoked", "+carol@contoso.example", "@SUM(A1)")
    with Registry.for_region("de") as registry:
        registry.audit("application_added", "Terminplanung", "exchange for beispiel.de")


def test_list_json_is_one_array_with_stable_fields_newest_first(capsys):
    _seed()
    code, out, err = run(capsys, "audit", "list", "--region", "us", "--json")
    assert code == 0, err
    entries = json.loads(out)
    assert [e["action"] for e in entries] == ["profile_revoked", "profile_revoked", "profile_linked",
                                              "application_added"]
    assert all(list(e) == ["time", "user", "action", "subject", "detail"] for e in entries)
    assert all(e["time"].endswith("Z") and e["time"][10] == "T" for e in entries)       # ISO 8601 UTC
    assert "Terminplanung" not in out                                                    # this region only
    assert entries[1]["detail"] == '=HYPERLINK("http://x","y")'                          # JSON is as stored


def test_list_text_and_an_empty_region(capsys):
    _seed()
    code, out, _err = run(capsys, "audit", "list", "--region", "us")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["TIME", "(UTC)"] and "alice@contoso.example" in out
    code, out, _err = run(capsys, "audit", "list", "--region", "us", "--since", "2999-01-01")
    assert code == 0 and "No audit entries" in out


def test_csv_has_a_header_and_defuses_formula_cells(capsys):
    _seed()
    code, out, err = run(capsys, "audit", "list", "--region", "us", "--csv")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["time_utc", "user", "action", "subject", "detail"]
    cells = [cell for row in rows[1:] for cell in row[1:]]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert "'=HYPERLINK(\"http://x\",\"y\")" in cells and "'+carol@contoso.example" in cells
    assert "'@SUM(A1)" in cells


def test_since_filters_and_a_bad_value_is_refused(capsys):
    _seed()
    code, out, _ = run(capsys, "audit", "list", "--region", "us", "--json", "--since", "2000-01-01")
    assert code == 0 and len(json.loads(out)) == 4
    code, out, _ = run(capsys, "audit", "list", "--region", "us", "--json", "--since", "2999-01-01T00:00Z")
    assert code == 0 and json.loads(out) == []
    for bad in ("yesterday", "2026-13-01", "01/12/2026"):
        code, out, err = run(capsys, "audit", "list", "--region", "us", "--since", bad, "--json")
        assert code == 2, bad
        assert "--since" in err and "ISO date" in err and "Traceback" not in err
        assert json.loads(out)["error"]["code"] == "bad_input"


def test_export_writes_a_private_file_atomically_in_the_format_asked(capsys, tmp_path):
    _seed()
    target = tmp_path / "audit.csv"
    code, out, err = run(capsys, "audit", "export", "--region", "us", "--output", str(target))
    assert code == 0, err
    assert out == "" and "4" in err
    rows = list(csv.reader(target.open(encoding="utf-8", newline="")))
    assert rows[0] == ["time_utc", "user", "action", "subject", "detail"] and len(rows) == 5
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.csv"]          # no temporary file left

    as_json = tmp_path / "audit.json"                                             # the extension chooses
    code, _out, err = run(capsys, "audit", "export", "--region", "us", "-o", str(as_json))
    assert code == 0, err
    assert len(json.loads(as_json.read_text(encoding="utf-8"))) == 4

    code, out, _ = run(capsys, "audit", "export", "--region", "us", "--json")    # standard output
    assert code == 0 and len(json.loads(out)) == 4


def test_export_to_a_missing_folder_is_refused_before_any_work(capsys, tmp_path):
    code, _out, err = run(capsys, "audit", "export", "--output", str(tmp_path / "nope" / "a.csv"))
    assert code == 2 and "does not exist" in err
    code, _out, err = run(capsys, "audit", "list", "--json", "--csv")
    assert code == 2


def test_the_audit_is_streamed_in_batches_not_read_whole(capsys, monkeypatch):
    with Registry.for_region("us") as registry:
        for n in range(25):
            registry.audit("profile_linked", f"user{n}@contoso.example")
        assert [e.subject for e in registry.iter_audit(batch=4)] == [
            f"user{n}@contoso.example" for n in reversed(range(25))]

    def whole_list(*_a, **_k):
        raise AssertionError("the whole audit was read into a list")

    monkeypatch.setattr(Registry, "audit_entries", whole_list)
    code, out, err = run(capsys, "audit", "export", "--region", "us", "--csv")
    assert code == 0, err
    assert len(out.splitlines()) == 26


def test_verify_says_the_chain_holds_with_count_last_time_and_head(capsys):
    _seed()
    code, out, err = run(capsys, "audit", "verify", "--region", "us")
    assert code == 0, err
    lines = out.splitlines()
    with Registry.for_region("us") as registry:
        newest = registry.audit_entries(limit=1)[0]
    assert lines[0] == f"Audit chain verified: 4 entries, last {newest.at}"
    assert re.fullmatch(r"Head: [0-9a-f]{64}", lines[1])
    head = lines[1].split()[1]
    code, out, _err = run(capsys, "audit", "verify", "--region", "us", "--known-head", head.upper())
    assert code == 0 and out.startswith("Audit chain verified")


def test_verify_json_names_the_first_broken_link_and_exits_1(capsys):
    _seed()
    with Registry.for_region("us") as registry:
        path = registry.path
    conn = sqlite3.connect(path, isolation_level=None)          # a superuser's plain sqlite3
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("UPDATE audit SET subject = 'nobody@contoso.example' WHERE id = 2")
    conn.close()
    code, out, err = run(capsys, "audit", "verify", "--region", "us", "--json")
    assert code == 1, err
    result = json.loads(out)
    assert result["verified"] is False and result["region"] == "us" and result["entries"] == 1
    assert result["broken"]["kind"] == "edited" and result["broken"]["id"] == 2
    assert result["broken"]["action"] == "profile_linked" and result["broken"]["time"].endswith("Z")
    assert result["last"]["id"] == 1 and re.fullmatch(r"[0-9a-f]{64}", result["head"])
    code, out, _err = run(capsys, "audit", "verify", "--region", "us")
    assert code == 1
    assert out.startswith("Audit chain broken at entry 2 (") and "Profile linked): edited" in out
    assert "backup" in out                                        # what to do


def test_verify_a_noted_head_no_longer_in_the_chain_fails(capsys):
    _seed()
    code, _out, _err = run(capsys, "audit", "verify", "--region", "us", "--known-head", "ab" * 32)
    assert code == 1
    code, out, _err = run(capsys, "audit", "verify", "--region", "us", "--known-head", "ab" * 32, "--json")
    assert json.loads(out)["broken"]["kind"] == "truncated" and json.loads(out)["broken"]["id"] is None


def test_verify_an_empty_audit(capsys):
    code, out, _err = run(capsys, "audit", "verify", "--region", "us", "--json")
    assert code == 0
    assert json.loads(out) == {"region": "us", "verified": True, "entries": 0, "last": None,
                               "head": "0" * 64, "broken": None}


def test_verify_refuses_a_malformed_known_head(capsys):
    code, _out, err = run(capsys, "audit", "verify", "--region", "us", "--known-head", "not-a-hash")
    assert code == 2 and "64-character" in err and "Traceback" not in err


@pytest.mark.parametrize("action", ["list", "export", "verify"])
def test_an_unknown_region_is_refused(capsys, action):
    code, _out, err = run(capsys, "audit", action, "--region", "xx")
    assert code == 2 and "xx" in err


def test_a_reader_that_stops_early_ends_the_listing_quietly():
    import subprocess
    import sys
    from pathlib import Path

    with Registry.for_region("us") as registry:
        for n in range(3000):
            registry.audit("profile_linked", f"user{n}@contoso.example")
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen([sys.executable, "-m", "ec_console", "audit", "list", "--region", "us", "--csv"],
                            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline().decode().strip() == "time_utc,user,action,subject,detail"
    proc.stdout.close()                                       # like `| head -1`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert err == ""
