"""Searches of one or two characters: the same rows on both engines, and on PostgreSQL through the index
for them (`registry_pg.SHORT_SEARCH_INDEX`, the schema step `SHORT_SEARCH_VERSION`), which every write path
keeps right and both roles may use.

The expected rows are written out by hand from the names below (a needle is looked for in the folded
mailbox and display name: NFKC, then Unicode case folding, so `ß` is `ss` and `Ü` is `ü`). On PostgreSQL each
case runs twice: with the planner's own choice (a handful of rows: it scans), and steered off the table scan
(`enable_seqscan = off`), so the index for short needles answers; the rows must be the same.
"""

from __future__ import annotations

from cli_run import run

from ec_console import registry_pg as pg
from ec_console.registry import SCHEMA_VERSION, SHORT_SEARCH_VERSION, ProfileQuery, Registry

# mailbox -> display name. The domains hold the letters of "alpha.example" / "beta.example" only.
ALPHA = {"joerg@alpha.example": "Jörg Müller", "anna@alpha.example": "Anna Straße",
         "ada@alpha.example": "ADA Lovelace"}
BETA = {"ss@beta.example": "Sam Smith", "pct@beta.example": "100% o_n", "zoe@beta.example": "Zoë Ørsted"}

# needle -> the mailboxes it finds, by email order (byte order of the folded mailbox).
EXPECTED = {
    "ü": ["joerg@alpha.example"],
    "Ü": ["joerg@alpha.example"],
    "mü": ["joerg@alpha.example"],
    "MÜ": ["joerg@alpha.example"],
    "ß": ["anna@alpha.example", "ss@beta.example"],          # folds to "ss": Straße and ss@
    "SS": ["anna@alpha.example", "ss@beta.example"],
    "%": ["pct@beta.example"],                                # a literal percent sign, not "anything"
    "_": ["pct@beta.example"],                                # a literal underscore, not "one character"
    "o_": ["pct@beta.example"],
    "% ": ["pct@beta.example"],                               # the needle is trimmed: "%"
    "ad": ["ada@alpha.example"],
    "j": ["joerg@alpha.example"],
    "ö": ["joerg@alpha.example"],
    "ë": ["zoe@beta.example"],
    "ø": ["zoe@beta.example"],
    "Ø": ["zoe@beta.example"],
    "zq": [],
    "q": [],
    "m": sorted([*ALPHA, *BETA]),                             # "example": every row
    "x": sorted([*ALPHA, *BETA]),
}


def _fill(registry: Registry) -> tuple[int, int]:
    alpha = registry.add_application("Alpha", "exchange", "alpha.example").id
    beta = registry.add_application("Beta", "graph", "beta.example").id
    registry.add_profiles(alpha, ALPHA.items())
    registry.add_profiles(beta, BETA.items())
    return alpha, beta


def _steer_to_indexes(registry: Registry, on: bool) -> None:
    """PostgreSQL only: keep the planner off table scans, so a handful of rows is read through an index."""
    if registry.engine == "postgresql":
        registry._conn.raw.execute(f"SET enable_seqscan = {'off' if on else 'on'}")  # noqa: SLF001


def _emails(registry: Registry, query: ProfileQuery) -> list[str]:
    return [p.email for p in registry.profile_page(query, 0, 100, total=registry.count_profiles(query))]


def _steerings(registry: Registry) -> tuple[bool, ...]:
    return (False, True) if registry.engine == "postgresql" else (False,)


def test_one_and_two_character_needles_find_the_same_rows_on_both_engines(any_registry):
    _fill(any_registry)
    for steered in _steerings(any_registry):
        _steer_to_indexes(any_registry, steered)
        for needle, expected in EXPECTED.items():
            query = ProfileQuery(search=needle)
            assert any_registry.count_profiles(query) == len(expected), (needle, steered)
            assert _emails(any_registry, query) == expected, (needle, steered)
            assert [p.email for p in any_registry.list_profiles(query)] == expected, (needle, steered)
            descending = ProfileQuery(search=needle, descending=True)
            assert _emails(any_registry, descending) == expected[::-1], (needle, steered)


def test_short_needles_with_status_and_application_filters_and_sort_orders(any_registry):
    alpha, beta = _fill(any_registry)
    joerg = any_registry.find_profile(alpha, "joerg@alpha.example")
    any_registry.set_profile_status(joerg.id, "revoked")
    for steered in _steerings(any_registry):
        _steer_to_indexes(any_registry, steered)
        cases = [
            (ProfileQuery(search="ü", status="revoked"), ["joerg@alpha.example"]),
            (ProfileQuery(search="ü", status="linked"), []),
            (ProfileQuery(search="m", status="revoked"), ["joerg@alpha.example"]),
            (ProfileQuery(search="ß", application_id=beta), ["ss@beta.example"]),
            (ProfileQuery(search="ß", application_id=alpha), ["anna@alpha.example"]),
            (ProfileQuery(search="ß", application_id=alpha, status="needs_relink"), []),
            (ProfileQuery(search="ß", sort="display_name"), ["anna@alpha.example", "ss@beta.example"]),
            (ProfileQuery(search="SS", sort="display_name", descending=True),
             ["ss@beta.example", "anna@alpha.example"]),
            (ProfileQuery(search="ß", sort="application", descending=True),
             ["ss@beta.example", "anna@alpha.example"]),
            (ProfileQuery(search="o", sort="display_name"),   # "100% o_n" sorts before "ada lovelace"
             ["pct@beta.example", "ada@alpha.example", "joerg@alpha.example", "zoe@beta.example"]),
            (ProfileQuery(search="o", sort="status"),
             ["ada@alpha.example", "pct@beta.example", "zoe@beta.example", "joerg@alpha.example"]),
        ]
        for query, expected in cases:
            assert any_registry.count_profiles(query) == len(expected), (query, steered)
            assert _emails(any_registry, query) == expected, (query, steered)


def test_the_short_search_index_answers_a_short_needle_on_postgresql(pg_cluster, pg_registry):
    with Registry(pg_cluster.url(pg_registry)) as registry:
        _fill(registry)
        raw = registry._conn.raw  # noqa: SLF001 - the plan is what this test is about
        _steer_to_indexes(registry, True)
        assert pg._short_index_pays(raw, ProfileQuery(search="mü"))  # noqa: SLF001
        assert pg._short_index_pays(raw, ProfileQuery(search=" Ü "))  # noqa: SLF001
        # three characters and more are the trigram index's; a needle that cannot match asks nothing
        assert not pg._short_index_pays(raw, ProfileQuery(search="mül"))  # noqa: SLF001
        assert not pg._short_index_pays(raw, ProfileQuery(search="a\x01"))  # noqa: SLF001


def _index_and_table_agree(raw, needles) -> None:
    """For each needle, the rows the short-search index gives (the planner steered onto it: no table scan,
    no other index) are the rows holding the needle in a search key, found by reading the table."""
    steering = ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan")
    for needle in needles:
        for setting in steering:
            raw.execute(f"SET {setting} = off")
        plan = raw.execute("EXPLAIN (FORMAT JSON) SELECT id FROM profiles p WHERE "
                           f"{pg.SHORT_SEARCH_FUNCTION}(p.email_key, p.name_key) @> ARRAY[%s::text]",
                           (needle,)).fetchone()[0]
        assert pg._plan_reads(plan, pg.SHORT_SEARCH_INDEX)  # noqa: SLF001
        by_index = sorted(r[0] for r in raw.execute(
            f"SELECT id FROM profiles p WHERE {pg.SHORT_SEARCH_FUNCTION}(p.email_key, p.name_key) "
            "@> ARRAY[%s::text]", (needle,)))
        for setting in steering:
            raw.execute(f"RESET {setting}")
        by_table = sorted(r[0] for r in raw.execute(
            "SELECT id FROM profiles WHERE strpos(email_key, %s) > 0 OR strpos(name_key, %s) > 0",
            (needle, needle)))
        assert by_index == by_table, needle


def test_every_write_path_keeps_the_short_search_index_right(pg_cluster, pg_registry):
    needles = ("ü", "mü", "ss", "ne", "ew", "q", "qu", "zz", "%", "é")
    with Registry(pg_cluster.url(pg_registry)) as registry:
        alpha, beta = _fill(registry)
        raw = registry._conn.raw  # noqa: SLF001
        registry.add_profile(alpha, "new@alpha.example", "Neue Müllerin")           # one row
        registry.add_profiles(beta, [(f"q{i}@beta.example", "Quinn") for i in range(5)])  # a batch
        registry.bulk_load_profiles([(alpha, f"bulk{i}@alpha.example", "Éva Zz", "linked", None, None, None)
                                     for i in range(50)])                          # COPY
        _index_and_table_agree(raw, needles)
        joerg = registry.find_profile(alpha, "joerg@alpha.example")
        registry.update_profile(joerg.id, display_name="Jorg Muller")               # a name changed
        registry.record_profile_check(joerg.id, result="fail", diagnosis="mailbox_gone")
        _index_and_table_agree(raw, needles)
        assert [p.email for p in registry.list_profiles(ProfileQuery(search="mü"))] == ["new@alpha.example"]


def test_a_copied_registry_is_searched_through_the_short_search_index(capsys, pg_cluster, pg_registry):
    with Registry.for_region("us") as registry:
        _fill(registry)
    url = pg_cluster.url(pg_registry)
    code, _out, err = run(capsys, "registry", "migrate", "--region", "us", "--to", url)
    assert code == 0, err
    with Registry(url) as registry:
        _index_and_table_agree(registry._conn.raw, ("ü", "ss", "%", "ad", "m"))  # noqa: SLF001
        _steer_to_indexes(registry, True)
        for needle, expected in EXPECTED.items():
            assert _emails(registry, ProfileQuery(search=needle)) == expected, needle


def test_both_roles_search_through_the_short_search_index_and_the_helpdesk_still_records(
        pg_cluster, pg_logins):
    def signed_in(role: str) -> Registry:
        url = pg_cluster.url(pg_logins.dbname, pg_logins.names[role], tcp=True)
        return Registry(url, password=pg_logins.passwords[role])

    with signed_in("admin") as admin:
        _fill(admin)
    for role in ("admin", "helpdesk"):
        with signed_in(role) as registry:
            _steer_to_indexes(registry, True)
            assert pg._short_index_pays(registry._conn.raw, ProfileQuery(search="ü"))  # noqa: SLF001
            assert _emails(registry, ProfileQuery(search="ü")) == ["joerg@alpha.example"]
            assert _emails(registry, ProfileQuery(search="ß")) == ["anna@alpha.example", "ss@beta.example"]
    with signed_in("helpdesk") as helpdesk:
        ada = helpdesk.list_profiles(ProfileQuery(search="ad"))[0]
        assert helpdesk.record_profile_check(ada.id, result="fail", status="needs_relink").status \
            == "needs_relink"
        _steer_to_indexes(helpdesk, True)
        assert _emails(helpdesk, ProfileQuery(search="ad", status="needs_relink")) == ["ada@alpha.example"]


def test_an_older_postgresql_registry_gains_the_short_search_index(pg_cluster, pg_database):
    conn = pg.connect(pg_cluster.url(pg_database), autocommit=True)
    try:
        with conn.transaction():
            pg.migrate(conn, SHORT_SEARCH_VERSION - 1)
        assert conn.execute("SELECT to_regclass(%s)", (pg.SHORT_SEARCH_INDEX,)).fetchone()[0] is None
        result = pg.initialise(conn)
        assert (result.before, result.after) == (SHORT_SEARCH_VERSION - 1, SCHEMA_VERSION)
        assert conn.execute("SELECT to_regclass(%s)", (pg.SHORT_SEARCH_INDEX,)).fetchone()[0] is not None
    finally:
        conn.close()


def test_the_sqlite_step_changes_nothing_but_the_version(tmp_path):
    import sqlite3

    path = tmp_path / "registry.sqlite3"
    with Registry(path) as registry:
        _fill(registry)
    raw = sqlite3.connect(path)
    try:
        raw.execute(f"PRAGMA user_version = {SHORT_SEARCH_VERSION - 1}")
        before = sorted(raw.execute("SELECT type, name, sql FROM sqlite_master"))
    finally:
        raw.close()
    with Registry(path) as registry:
        assert registry.schema_version == SCHEMA_VERSION
        assert _emails(registry, ProfileQuery(search="ß")) == ["anna@alpha.example", "ss@beta.example"]
    raw = sqlite3.connect(path)
    try:
        assert sorted(raw.execute("SELECT type, name, sql FROM sqlite_master")) == before
    finally:
        raw.close()
