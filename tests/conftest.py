"""Shared test setup: offscreen Qt, a temporary EC_CONSOLE_HOME, no stray threads.

Every test runs with its own empty EC_CONSOLE_HOME, so nothing touches a real user's folders, and with the
in-memory credential store unless it asks for a real keychain.
"""

from __future__ import annotations

import os
import threading
import time

# Qt must see this before it is imported anywhere.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("EC_CONSOLE_HOME", None)
# The tests read English, the source language, whatever the developer's own locale: the language
# variables (ec_console.i18n's order) are cleared; a test that wants German sets them itself.
for _name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
    os.environ.pop(_name, None)
os.environ["LANG"] = "C.UTF-8"

import pytest  # noqa: E402

# The sandbox fixtures `org`, `registry` and `store` (tests/sandbox_setup.py), for every test module.
pytest_plugins = ("sandbox_setup",)


@pytest.fixture(autouse=True)
def ec_home(tmp_path_factory, monkeypatch):
    """A fresh, empty EC_CONSOLE_HOME for every test."""
    home = tmp_path_factory.mktemp("ec-home")
    monkeypatch.setenv("EC_CONSOLE_HOME", str(home))
    from ec_console.resources import resources_dir

    resources_dir.cache_clear()
    yield home


def _live_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.is_alive() and t is not threading.main_thread()}


@pytest.fixture(autouse=True)
def no_leftover_threads(request):
    """Fail a test that leaves worker threads running after it ends."""
    before = _live_threads()
    yield
    if request.node.get_closest_marker("allow_threads"):
        return
    deadline = time.monotonic() + 5.0
    leftover = _live_threads() - before
    while leftover and time.monotonic() < deadline:
        time.sleep(0.05)
        leftover = {t for t in leftover if t.is_alive()}
    # Daemon threads owned by third-party libraries' pools can be named here if ever needed.
    assert not leftover, f"test left threads running: {sorted(t.name for t in leftover)}"


@pytest.fixture(autouse=True)
def memory_credential_store(monkeypatch):
    """The in-memory credential store unless a test asks for a real keychain; no logging state leaks."""
    monkeypatch.setenv("EC_CONSOLE_CREDENTIAL_STORE", "memory")
    yield
    from ec_console import logs

    logs.reset_logging()
    logs.clear_registered_secrets()


@pytest.fixture(autouse=True)
def table_reads_on_the_gui_thread(monkeypatch):
    """The profile table reads on the GUI thread without a time budget: on a busy test machine a budget
    would send reads to a worker at random. Tests of the worker path give their model a budget."""
    monkeypatch.setattr("ec_console.ui.profiles_model.SYNC_BUDGET_MS", None)


# ------------------------------------------------------------------- PostgreSQL (tests/pg_cluster.py)

@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL cluster for the session; skips (or fails, with EC_CONSOLE_REQUIRE_POSTGRES=1)
    when PostgreSQL is not installed."""
    import pg_cluster as pg

    try:
        cluster = pg.start_cluster()
    except pg.ClusterUnavailable as exc:
        pg.unavailable(str(exc))
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_tls_cluster(tmp_path_factory):
    """A second throwaway cluster that offers TLS with a certificate for "localhost" only, signed by a CA
    of its own; yields (cluster, CA file)."""
    import pg_cluster as pg

    from ec_console.sandbox.tls import generate_tls_material

    material = generate_tls_material(tmp_path_factory.mktemp("pg-tls"), names=("localhost",))
    try:
        cluster = pg.start_cluster(tls=(material.server.cert_file, material.server.key_file))
    except pg.ClusterUnavailable as exc:
        pg.unavailable(str(exc))
    try:
        yield cluster, material.ca_file
    finally:
        cluster.stop()


@pytest.fixture
def pg_database(pg_cluster):
    """A fresh, empty database of its own for one test (dropped afterwards); yields its name."""
    import uuid

    name = f"ec_test_{uuid.uuid4().hex[:12]}"
    with pg_cluster.connect() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with pg_cluster.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def _pg_registry_template(pg_cluster):
    """A database holding a freshly initialised registry, set up once: each `pg_registry` is a copy."""
    from ec_console import registry_pg as pg

    name = "ec_template_registry"
    with pg_cluster.connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    with pg.connect(pg_cluster.url(name)) as conn:
        pg.initialise(conn)
    return name


@pytest.fixture
def pg_registry(pg_cluster, _pg_registry_template):
    """A fresh database of its own holding a registry set up by the database's administrator (`registry
    init`, as the superuser: a copy of one initialised once); yields its name."""
    import uuid

    name = f"ec_test_{uuid.uuid4().hex[:12]}"
    with pg_cluster.connect() as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_pg_registry_template}"')
    try:
        yield name
    finally:
        with pg_cluster.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


ENGINES = ("sqlite", "postgresql")


@pytest.fixture(params=ENGINES)
def any_registry(request):
    """The same registry tests on both engines: region "us"'s SQLite file, or a fresh PostgreSQL registry
    (a copy of the template, signed in as its administrator) opened through the same `Registry` class."""
    from ec_console.registry import Registry

    if request.param == "sqlite":
        with Registry.for_region("us") as registry:
            yield registry
        return
    cluster = request.getfixturevalue("pg_cluster")
    database = request.getfixturevalue("pg_registry")
    with Registry(cluster.url(database)) as registry:
        yield registry


@pytest.fixture
def pg_logins(pg_cluster, pg_registry):
    """Two login roles with passwords, one in ec_admin and one in ec_helpdesk; yields a sign-in function."""
    import uuid

    import psycopg

    suffix = uuid.uuid4().hex[:8]
    names = {"admin": f"alice_{suffix}", "helpdesk": f"hank_{suffix}"}
    passwords = {role: uuid.uuid4().hex for role in names}
    with pg_cluster.connect() as conn:
        for role, name in names.items():
            conn.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{passwords[role]}'")
            conn.execute(f"GRANT ec_{role} TO {name}")

    def sign_in(role: str):
        return psycopg.connect(pg_cluster.url(pg_registry, names[role], tcp=True), password=passwords[role],
                               autocommit=True)

    sign_in.names = names  # type: ignore[attr-defined]
    sign_in.passwords = passwords  # type: ignore[attr-defined]
    sign_in.dbname = pg_registry  # type: ignore[attr-defined]
    yield sign_in
    with pg_cluster.connect() as conn:
        for name in names.values():
            conn.execute(f"DROP ROLE IF EXISTS {name}")


@pytest.fixture
def cli_language(monkeypatch, compiled_catalogs):
    """`switch(True)` gives the command line German through LANG, as a German administrator's shell does;
    `switch(False)` English (the other locale variables cleared, a window's choice forgotten)."""
    from ec_console import i18n

    i18n.set_language(None)

    def switch(german: bool) -> None:
        monkeypatch.setenv("LANG", "de_DE.UTF-8" if german else "en_US.UTF-8")
        for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
            monkeypatch.delenv(name, raising=False)
        i18n.set_language(None)

    yield switch
    i18n.set_language(None)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs():
    """The translation catalogs compiled from their sources, as `make test` does (nothing if up to date), so
    a plain `pytest` in a fresh clone sees them too (the self-test requires the German ones)."""
    from pathlib import Path

    from ec_console import i18n
    from ec_console.i18n_build import compile_all

    compile_all(Path(__file__).resolve().parent.parent, only_stale=True)
    i18n.reload_catalogs()
    yield
    i18n.set_language(None)
