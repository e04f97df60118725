"""`ec-console profiles list` (table and JSON) and the profile CSV export stream from one registry cursor:
their memory does not grow with the registry, and their output is what the whole-list writers produce."""

from __future__ import annotations

import io
import json
import sys
import tracemalloc

import pytest
from streaming_setup import Sink, export_csv, seed

from ec_console import cli
from ec_console.commands.common import print_table
from ec_console.registry import ProfileQuery, Registry


def peak_bytes(work) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        work()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("what", ["list-json", "list-table", "csv-export"])
def test_memory_does_not_grow_with_the_registry(what, monkeypatch, tmp_path):
    def run() -> None:
        if what == "csv-export":
            export_csv()
            return
        args = ["profiles", "list", "--region", "us"] + (["--json"] if what == "list-json" else [])
        with monkeypatch.context() as patch:
            patch.setattr(sys, "stdout", Sink())
            assert cli.main(args) == 0

    peaks = []
    for count in (2_000, 40_000):
        monkeypatch.setenv("EC_CONSOLE_HOME", str(tmp_path / str(count)))
        seed(count)
        with Registry.for_region("us") as registry:
            assert registry.count_profiles() == count
        run()  # warm: imports and caches are not the command's working memory
        peaks.append(peak_bytes(run))
    # Holding the rows (or only their ids) grows with them: about 4x (the export's id list) to 20x (the
    # whole list) here for twenty times the rows. Streaming stays flat, give or take a few hundred
    # kilobytes of the interpreter's own (measured up to 1.6x of the small run's peak on a fresh checkout).
    assert peaks[1] < 2 * peaks[0], peaks


def test_streamed_outputs_are_what_the_whole_list_writers_print(capsys):
    seed(1_203)  # more than two cursor batches, not a multiple of one
    with Registry.for_region("us") as registry:
        everything = registry.list_profiles(ProfileQuery(sort="display_name", descending=True))
    assert cli.main(["profiles", "list", "--region", "us", "--sort", "display_name", "--desc", "--json"]) == 0
    out = capsys.readouterr().out
    expected = [{"id": p.id, "email": p.email, "display_name": p.display_name,
                 "application": p.application_name, "provider": p.provider, "status": p.status,
                 "last_checked_at": p.last_checked_at,
                 "last_result": p.last_result, "last_diagnosis": p.last_diagnosis} for p in everything]
    assert out == json.dumps(expected, ensure_ascii=False, indent=2) + "\n"

    assert cli.main(["profiles", "list", "--region", "us", "--sort", "display_name", "--desc"]) == 0
    out = capsys.readouterr().out
    table = io.StringIO()
    print_table([[p.email, p.display_name, p.application_name, p.status, p.last_checked_at or "never",
                  p.last_result or "-"] for p in everything],
                ["EMAIL", "NAME", "APPLICATION", "STATUS", "LAST CHECKED", "RESULT"], table)
    assert out == table.getvalue()

    assert cli.main(["profiles", "list", "--region", "us", "--search", "nobody-has-this", "--json"]) == 0
    assert capsys.readouterr().out == "[]\n"
    assert cli.main(["profiles", "list", "--region", "us", "--limit", "2", "--json"]) == 0
    assert [p["email"] for p in json.loads(capsys.readouterr().out)] == ["user0000000@contoso.com",
                                                                        "user0000001@contoso.com"]


def _open_cursors(registry: Registry) -> list[str]:
    """The server-side cursors open on the registry's own PostgreSQL session."""
    return [row[0] for row in registry._conn.raw.execute("SELECT name FROM pg_cursors").fetchall()]  # noqa: SLF001


def test_on_postgresql_the_rows_stay_on_the_server_until_read(pg_cluster, pg_registry):
    with Registry(pg_cluster.url(pg_registry)) as registry:
        seed(1_203, registry)
        assert _open_cursors(registry) == []
        rows = registry.iter_profiles(ProfileQuery(), batch=500)
        first = next(rows)
        assert first.email == "user0000000@contoso.com"
        [cursor] = _open_cursors(registry)          # the result is held by the server, read a batch at a time
        rest = list(rows)
        assert [p.email for p in [first, *rest]] == [f"user{n:07d}@contoso.com" for n in range(1_203)]
        assert _open_cursors(registry) == [] and not registry._conn.in_transaction  # noqa: SLF001
        early = registry.iter_profiles(ProfileQuery(search="user000"), batch=10)
        assert next(early).email == "user0000000@contoso.com"
        early.close()                               # stopped part-way: cursor and its transaction end
        assert _open_cursors(registry) == [] and not registry._conn.in_transaction  # noqa: SLF001
        registry.set_profile_status(first.id, "revoked")          # and the registry writes as before
        with registry.transaction():                # inside a unit of work: the cursor lives in it
            assert [p.email for p in registry.iter_profiles(ProfileQuery(status="revoked"))] \
                == ["user0000000@contoso.com"]
            assert registry._conn.in_transaction  # noqa: SLF001
        assert not registry._conn.in_transaction  # noqa: SLF001
