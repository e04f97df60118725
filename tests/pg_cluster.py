"""A throwaway PostgreSQL cluster for the tests (used by the fixtures in conftest.py).

The server programs are looked up on PATH, then in /usr/lib/postgresql/*/bin (Debian's layout, newest
first). The cluster lives in a temporary folder, listens on a private unix socket folder and a free
loopback port, and is stopped and deleted at the end of the session. Run as root (CI), it runs as the
`postgres` system user, since `initdb` refuses root.

Authentication: the superuser `postgres` is trusted (it sets databases up); every other role signs in with
its password (scram-sha-256), as a person's login role would.

With no server programs the PostgreSQL cases skip, saying what to install; with EC_CONSOLE_REQUIRE_POSTGRES=1
(CI) they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn
from urllib.parse import quote

REQUIRE_ENV = "EC_CONSOLE_REQUIRE_POSTGRES"
SUPERUSER = "postgres"
_PROGRAMS = ("initdb", "pg_ctl", "postgres")
MISSING_REASON = ("PostgreSQL server programs not found: install postgresql (Debian/Ubuntu: apt-get install "
                  "postgresql; or put initdb, pg_ctl and postgres on PATH) to run the PostgreSQL cases")


def required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip() not in ("", "0")


def unavailable(reason: str) -> NoReturn:
    """Skip the PostgreSQL case saying why, or fail it where PostgreSQL is required (CI)."""
    import pytest

    if required():
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1: the PostgreSQL cases must run here)", pytrace=False)
    pytest.skip(reason)


def _version_key(path: Path) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in path.parent.name.split("."))
    except ValueError:
        return (0,)


def find_server_programs() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres together (PATH first), or None."""
    candidates: list[Path] = []
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(Path(found).resolve().parent)
    candidates += sorted((p for p in Path("/usr/lib/postgresql").glob("*/bin")), key=_version_key,
                         reverse=True)
    for folder in candidates:
        if all((folder / name).is_file() and os.access(folder / name, os.X_OK) for name in _PROGRAMS):
            return folder
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    bin_dir: Path
    base: Path
    socket_dir: Path
    port: int
    _as_postgres: bool
    options: str = ""      # the server's command-line options (given again when it is started again)

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    def url(self, dbname: str, user: str = SUPERUSER, *, tcp: bool = False) -> str:
        """A connection URL for `dbname` as `user`: over the unix socket, or loopback TCP with `tcp`."""
        host = "127.0.0.1" if tcp else quote(str(self.socket_dir), safe="")
        return (f"postgresql://{quote(user, safe='')}@{host}:{self.port}/{quote(dbname, safe='')}"
                "?sslmode=disable")

    def connect(self, dbname: str = "postgres"):
        import psycopg

        return psycopg.connect(host=str(self.socket_dir), port=self.port, user=SUPERUSER, dbname=dbname,
                               sslmode="disable", autocommit=True)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False,
                              cwd=str(self.base))

    def _pg_ctl(self, *args: str) -> None:
        result = self.run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.base / "server.log"), *args)
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl {args[-1]} failed: {result.stderr.strip() or result.stdout.strip()}")

    def restart(self) -> None:
        """Restart the server as an administrator would (`pg_ctl restart -m fast`: every connection ends)."""
        self._pg_ctl("-m", "fast", "-w", "-t", "60", "-o", self.options, "restart")

    def stop_server(self) -> None:
        """Stop the server (the cluster stays; `start_server` starts it again)."""
        self._pg_ctl("-m", "fast", "-w", "-t", "60", "stop")

    def start_server(self) -> None:
        self._pg_ctl("-o", self.options, "-w", "-t", "60", "start")

    def stop(self) -> None:
        try:
            if (self.data_dir / "postmaster.pid").exists():
                self.run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


class ClusterUnavailable(Exception):
    """No cluster could be started here; the message says why."""


def start_cluster(*, tls: tuple[Path, Path] | None = None) -> Cluster:
    """Start a cluster; with `tls` (certificate file, key file) it also offers TLS with that certificate."""
    bin_dir = find_server_programs()
    if bin_dir is None:
        raise ClusterUnavailable(MISSING_REASON)
    as_postgres = os.geteuid() == 0
    base = Path(tempfile.mkdtemp(prefix="ec-console-pg-"))
    if as_postgres:
        if shutil.which("runuser") is None:
            shutil.rmtree(base, ignore_errors=True)
            raise ClusterUnavailable("running as root, the test cluster needs runuser (util-linux) to start "
                                     "PostgreSQL as the postgres system user")
        import pwd

        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(base, ignore_errors=True)
            raise ClusterUnavailable("running as root, the test cluster needs the postgres system user "
                                     "(Debian's postgresql package creates it)") from None
        os.chown(base, account.pw_uid, account.pw_gid)
    cluster = Cluster(bin_dir, base, base / "sock", _free_port(), as_postgres)
    try:
        _initialise(cluster, tls)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _locale_options() -> list[str]:
    try:
        names = subprocess.run(["locale", "-a"], capture_output=True, text=True, timeout=30).stdout.split()
    except (OSError, subprocess.SubprocessError):
        names = []
    for name in names:
        if name.lower().replace("-", "") in ("c.utf8", "en_us.utf8"):
            return [f"--locale={name}"]
    return ["--no-locale"]


def _install_certificate(cluster: Cluster, tls: tuple[Path, Path]) -> list[str]:
    """Copy the certificate and key into the data folder, owned by the server's user, key 0600."""
    for source, name in zip(tls, ("server.crt", "server.key"), strict=True):
        target = cluster.data_dir / name
        shutil.copyfile(source, target)
        target.chmod(0o600)
        if cluster._as_postgres:
            import pwd

            account = pwd.getpwnam("postgres")
            os.chown(target, account.pw_uid, account.pw_gid)
    return ["-c ssl=on"]


def _initialise(cluster: Cluster, tls: tuple[Path, Path] | None = None) -> None:
    # A UTF-8 character classification, as a real server has: pg_trgm splits words on letters, and under
    # the bare C locale "ü" would not be one.
    result = cluster.run("initdb", "-D", str(cluster.data_dir), "-U", SUPERUSER, "-E", "UTF8",
                         *_locale_options(), "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync")
    if result.returncode != 0:
        raise ClusterUnavailable(f"initdb failed: {result.stderr.strip() or result.stdout.strip()}")
    (cluster.data_dir / "pg_hba.conf").write_text(
        f"local all {SUPERUSER} trust\n"
        "local all all scram-sha-256\n"
        f"host all {SUPERUSER} 127.0.0.1/32 trust\n"
        "host all all 127.0.0.1/32 scram-sha-256\n")
    if cluster._as_postgres:
        subprocess.run(["runuser", "-u", "postgres", "--", "mkdir", "-m", "0700", str(cluster.socket_dir)],
                       check=True, timeout=30)
    else:
        cluster.socket_dir.mkdir(mode=0o700)
    extra = _install_certificate(cluster, tls) if tls is not None else []
    for attempt in range(3):  # the free port may be taken between choosing it and the server binding it
        if attempt:
            cluster.port = _free_port()
        options = " ".join([f"-k {cluster.socket_dir} -p {cluster.port} -c listen_addresses=127.0.0.1",
                            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                            "-c max_connections=40", *extra])
        result = cluster.run("pg_ctl", "-D", str(cluster.data_dir), "-l", str(cluster.base / "server.log"),
                             "-o", options, "-w", "-t", "60", "start")
        if result.returncode == 0:
            cluster.options = options
            return
    log = cluster.base / "server.log"
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise ClusterUnavailable(f"the test cluster did not start: {result.stderr.strip()} {tail}".strip())


def seed_one_profile(conn, now: str = "2026-01-01T00:00:00Z") -> tuple[int, int]:
    """An application (Contoso EWS) and one linked profile (ann@contoso.com) written straight through a
    psycopg connection (a login role's, `pg_logins`); returns (application id, profile id)."""
    app = conn.execute("INSERT INTO applications (name, provider, domain, created_at, updated_at) "
                       "VALUES ('Contoso EWS', 'exchange', 'contoso.com', %s, %s) RETURNING id",
                       (now, now)).fetchone()[0]
    profile = conn.execute("INSERT INTO profiles (application_id, email, created_at, updated_at) "
                           "VALUES (%s, 'ann@contoso.com', %s, %s) RETURNING id",
                           (app, now, now)).fetchone()[0]
    return app, profile


@contextmanager
def started_cluster(*databases: str, initialise: bool = True) -> Iterator[Cluster | None]:
    """For the benches: a throwaway cluster with `databases` created (each holding a registry set up by
    `registry_pg.initialise` unless `initialise` is false), stopped and deleted at the end. Yields None,
    having printed why, where no cluster can start here (the bench then skips)."""
    try:
        cluster = start_cluster()
    except ClusterUnavailable as exc:
        print(f"skipped: {exc}")
        yield None
        return
    try:
        for name in databases:
            with cluster.connect() as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            if initialise:
                from ec_console import registry_pg

                with registry_pg.connect(cluster.url(name), autocommit=True) as conn:
                    registry_pg.initialise(conn)
        yield cluster
    finally:
        cluster.stop()


class SilentProxy:
    """A loopback TCP proxy in front of the cluster that can go silent: `pause()` stops forwarding in both
    directions without closing anything (a firewall that starts dropping packets: the connections stay
    open, what is sent is never answered, a new connection is never greeted), `resume()` forwards again.
    `url(dbname)` names the cluster through it (TCP, the superuser)."""

    def __init__(self, cluster: Cluster) -> None:
        import threading

        self.cluster = cluster
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = int(self._listener.getsockname()[1])
        self._forwarding = threading.Event()
        self._forwarding.set()
        self._stopped = threading.Event()
        self._peers: dict[socket.socket, socket.socket] = {}
        self._thread = threading.Thread(target=self._run, name="silent-proxy", daemon=True)
        self._thread.start()

    def url(self, dbname: str, *, connect_timeout: int = 2) -> str:
        return (f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{quote(dbname, safe='')}"
                f"?sslmode=disable&connect_timeout={connect_timeout}")

    def pause(self) -> None:
        self._forwarding.clear()

    def resume(self) -> None:
        self._forwarding.set()

    def close(self) -> None:
        self._stopped.set()
        self._thread.join(5)
        for sock in [self._listener, *self._peers]:
            sock.close()

    def _run(self) -> None:
        import select

        while not self._stopped.is_set():
            if not self._forwarding.is_set():
                self._stopped.wait(0.05)      # nothing read, nothing sent, nothing accepted or closed
                continue
            readable, _, _ = select.select([self._listener, *self._peers], [], [], 0.05)
            for sock in readable:
                if sock is self._listener:
                    client, _ = self._listener.accept()
                    server = socket.create_connection(("127.0.0.1", self.cluster.port))
                    self._peers[client], self._peers[server] = server, client
                    continue
                peer = self._peers.get(sock)
                if peer is None:
                    continue
                try:
                    data = sock.recv(65536)
                    if data:
                        peer.sendall(data)
                        continue
                except OSError:
                    pass
                for end in (sock, peer):       # one end closed: close the pair
                    self._peers.pop(end, None)
                    end.close()
