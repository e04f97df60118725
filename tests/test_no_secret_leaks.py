"""The secret-leak sweep: run the console's flows with distinctive secrets, then search everywhere.

Each flow in FLOWS runs with the autouse fresh EC_CONSOLE_HOME, adds the secrets it used (passwords,
client secrets, the Google private key, the tokens the sandbox issued) to `ctx.secrets`, and returns the
texts it produced (captured stdout / stderr, exported reports, dialog text). The sweep then searches those
texts, the config, data and log folders (registry files included) for every secret in every form a
careless log carries (`hostile.sweep.secret_forms`): plain, URL-encoded, JSON-escaped, base64, HTTP Basic
`user:password`. The wizard (the Qt-free `SetupFlow`, test and save, on every platform), `applications
add` / `revoke`, `profiles link`, `profiles check` (check all) and the monitor (install with a webhook,
runs, the alert it posts) run here too. `sandbox serve` is excluded:
it prints its fictional credentials by design.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hostile.cli import clear_environment, run_cli, wire_check_command
from hostile.sweep import find_leaks

from ec_console import paths
from ec_console.sandbox import Sandbox
from ec_console.secrets import default_store, secret_key

WRONG_PASSWORD = "Leak-Canary-Pässwörd-9f2c!"
WRONG_CLIENT_SECRET = "leak~Canary.ClientSecret-7Hq2Zt9Wx4"


@dataclass
class Context:
    sandbox: Sandbox
    capsys: pytest.CaptureFixture[str]
    monkeypatch: pytest.MonkeyPatch
    tmp_path: Path
    secrets: dict[str, str] = field(default_factory=dict)
    users: list[str] = field(default_factory=list)


Flow = Callable[[Context], list[str]]


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """A sandbox per flow: the Google check leaves httplib2 keep-alive connections open (reported), and a
    sandbox of the test's own closes them when it stops."""
    with Sandbox(tmp_path / "sandbox", google=True) as box:
        yield box


def _issued_tokens(sandbox: Sandbox) -> dict[str, str]:
    tokens = {}
    if sandbox.google is not None:
        for i, token in enumerate(list(sandbox.google.state.tokens._access)):  # noqa: SLF001
            tokens[f"google access token {i}"] = token
    return tokens


def _exchange(ctx: Context, *extra: str, password: str) -> list[str]:
    info = ctx.sandbox.info()
    ctx.monkeypatch.setenv("EC_PASSWORD", password)
    ctx.secrets["password"] = password
    ctx.users += [info.username, info.upn, info.username.split("\\")[-1]]
    run = run_cli(
        ctx.capsys,
        [
            "check",
            "exchange",
            "--mailbox",
            info.mailbox_in_scope,
            "--ews-url",
            info.ews_url,
            "--username",
            info.username,
            "--ca-file",
            info.ca_file,
            "--timeout",
            "5",
            "--verbose",
            *extra,
        ],
        limit=30,
    )
    return [run.out, run.err]


def exchange_pass(ctx: Context) -> list[str]:
    return _exchange(ctx, "--json", password=ctx.sandbox.info().password)


def exchange_fail(ctx: Context) -> list[str]:
    return _exchange(ctx, "--auth", "basic", password=WRONG_PASSWORD)


def _oauth(ctx: Context, secret: str) -> list[str]:
    info = ctx.sandbox.info()
    ctx.monkeypatch.setenv("EC_CLIENT_SECRET", secret)
    ctx.secrets["client secret"] = secret
    issued: list[str] = []
    original = ctx.sandbox.issuer.issue

    def recording(app):  # the identity platform's access token, so the sweep can look for it
        token = original(app)
        issued.append(token)
        return token

    ctx.monkeypatch.setattr(ctx.sandbox.issuer, "issue", recording)
    run = run_cli(
        ctx.capsys,
        [
            "check",
            "exchange",
            "--mailbox",
            info.mailbox_in_scope,
            "--ews-url",
            info.ews_url,
            "--tenant-id",
            info.tenant_id,
            "--client-id",
            info.client_id,
            "--authority",
            info.authority,
            "--ca-file",
            info.ca_file,
            "--timeout",
            "5",
            "--verbose",
            "--json",
        ],
        limit=30,
    )
    ctx.secrets.update({f"identity token {i}": t for i, t in enumerate(issued)})
    return [run.out, run.err]


def exchange_oauth_pass(ctx: Context) -> list[str]:
    return _oauth(ctx, ctx.sandbox.info().client_secret)


def exchange_oauth_fail(ctx: Context) -> list[str]:
    return _oauth(ctx, WRONG_CLIENT_SECRET)


def _graph(ctx: Context, secret: str | None, *, certificate: bool = False) -> list[str]:
    """`check graph` against the loopback fake of the identity platform and Graph (tests/graph_fake.py)."""
    from graph_fake import TENANT, App, GraphFake, make_app_certificate, sha256_x5t

    client = "3c9d2a41-6f0e-4b7a-8d25-1e0f4a6b7c01"
    assert ctx.sandbox.tls is not None
    extra: list[str] = []
    with GraphFake(ctx.sandbox.tls.server.server_context()) as fake:
        app = App(client, secret="gR4~Leak.Canary_GraphSecret-8Qz1Xw7Vb2")
        if certificate:
            path, cert, key_pem = make_app_certificate(ctx.tmp_path)
            app.certificate, app.thumbprint_sha256 = cert, sha256_x5t(cert)
            ctx.secrets["certificate private key"] = "".join(key_pem.splitlines()[1:-1])
            extra = ["--certificate", str(path)]
        else:
            assert secret is not None
            ctx.monkeypatch.setenv("EC_CLIENT_SECRET", secret)
            ctx.secrets["graph client secret"] = secret
        fake.apps[client] = app
        fake.mailboxes.update({"alice@contoso.com": "ok", "ceo@contoso.com": "outside"})
        run = run_cli(ctx.capsys, ["check", "graph", "--mailbox", "alice@contoso.com", "--tenant-id", TENANT,
                                   "--client-id", client, "--authority", fake.url, "--graph-url", fake.url,
                                   "--ca-file", str(ctx.sandbox.tls.ca_file), "--expect-denied",
                                   "ceo@contoso.com", "--write-probe", "--timeout", "5", "--verbose",
                                   "--json", *extra], limit=30)
        ctx.secrets.update({f"graph token {i}": t for i, t in enumerate(fake.issued)})
    return [run.out, run.err]


def graph_pass(ctx: Context) -> list[str]:
    return _graph(ctx, "gR4~Leak.Canary_GraphSecret-8Qz1Xw7Vb2")


def graph_fail(ctx: Context) -> list[str]:
    return _graph(ctx, WRONG_CLIENT_SECRET)


def graph_certificate(ctx: Context) -> list[str]:
    return _graph(ctx, None, certificate=True)


def _google(ctx: Context, user_key: str) -> list[str]:
    assert ctx.sandbox.google is not None
    info = ctx.sandbox.google.info()
    key = json.loads(Path(info.key_file).read_text())
    ctx.secrets["private key"] = key["private_key"]
    run = run_cli(
        ctx.capsys,
        [
            "check",
            "google",
            "--key-file",
            str(info.key_file),
            "--admin",
            info.admin_email,
            "--user",
            info.users[user_key],
            "--api-root",
            info.api_root,
            "--ca-file",
            str(info.ca_file),
            "--timeout",
            "5",
            "--verbose",
            "--json",
        ],
        limit=30,
    )
    ctx.secrets.update(_issued_tokens(ctx.sandbox))
    return [run.out, run.err]


def google_pass(ctx: Context) -> list[str]:
    return _google(ctx, "ok")


def google_fail(ctx: Context) -> list[str]:
    return _google(ctx, "suspended")


def credential_store(ctx: Context) -> list[str]:
    from ec_console.secrets import default_store, secret_key

    store = default_store()
    password = "Store-Leak-Canary-Pw-41d!"
    assert ctx.sandbox.google is not None
    key_text = Path(ctx.sandbox.google.info().key_file).read_text()
    ctx.secrets.update({"stored password": password, "stored key file": json.loads(key_text)["private_key"]})
    store.set(secret_key("us", "Calendar sync", "password"), password)
    store.set(secret_key("us", "Google sync", "key_file"), key_text)  # large: encrypted in the data folder
    assert store.get(secret_key("us", "Google sync", "key_file")) == key_text
    return []


def report_export(ctx: Context) -> list[str]:
    """A failed check's report exported in every format (the flow itself registers the secret)."""
    from ec_console.providers.exchange.check import ExchangeSettings, run_exchange_check
    from ec_console.render import render_html, render_json, render_text

    info = ctx.sandbox.info()
    ctx.secrets["password"] = WRONG_PASSWORD
    report = run_exchange_check(
        ExchangeSettings(
            mailbox=info.mailbox_in_scope,
            ews_url=info.ews_url,
            username=info.username,
            auth="basic",
            ca_file=info.ca_file,
            timeout=5,
        ),
        WRONG_PASSWORD,
    )
    texts = [render_text(report), render_json(report), render_html(report)]
    for name, text in zip(("report.txt", "report.json", "report.html"), texts, strict=True):
        paths.write_private_file(paths.data_dir() / "exports" / name, text.encode())
    return texts


def exception_dialog(ctx: Context) -> list[str]:
    """An unexpected error whose message and traceback carry secrets, shown in the details dialog."""
    from PySide6.QtWidgets import QApplication

    from ec_console.logs import register_secret, setup_logging
    from ec_console.ui import errors

    app = QApplication.instance() or QApplication(sys.argv[:1])
    setup_logging(verbose=True)
    password = "Dialog-Leak-Canary-Pw-77a!"
    register_secret(password)
    ctx.secrets["dialog password"] = password
    ctx.secrets["unregistered basic credentials"] = "Unregistered-Canary-Pw-3x"
    ctx.users.append("svc")
    basic = __import__("base64").b64encode(b"svc:Unregistered-Canary-Pw-3x").decode()
    try:
        raise RuntimeError(f"login failed for svc with {password}; header Authorization: Basic {basic}")
    except RuntimeError as exc:
        details = errors.format_details(type(exc), exc, exc.__traceback__)
        errors.report_exception(type(exc), exc, exc.__traceback__)
    dialog = errors.current_dialog()
    texts = [details]
    if dialog is not None:
        texts += [dialog.details_text(), dialog.summary_label.text()]
        dialog.close()
    errors.uninstall_exception_hooks()
    app.processEvents()
    return texts


def _recording_identity_tokens(ctx: Context) -> list[str]:
    """The identity platform's access tokens as they are issued, so the sweep can look for them."""
    issued: list[str] = []
    original = ctx.sandbox.issuer.issue

    def recording(*args, **kwargs):
        token = original(*args, **kwargs)
        issued.append(token)
        return token

    ctx.monkeypatch.setattr(ctx.sandbox.issuer, "issue", recording)
    return issued


def _wizard(platform_name: str) -> Flow:
    def flow(ctx: Context) -> list[str]:
        """The setup wizard's flow end to end: fields filled as typed, the live test, save to the keychain."""
        from ec_console.logs import setup_logging
        from ec_console.registry import Registry
        from ec_console.render import render_text
        from ec_console.wizard import Platform, SetupFlow

        setup_logging(verbose=True)
        assert ctx.sandbox.google is not None
        info, google = ctx.sandbox.info(), ctx.sandbox.google.info()
        issued = _recording_identity_tokens(ctx)
        wizard = SetupFlow("us")
        wizard.choose_platform(Platform(platform_name))
        assert wizard.fill_from_sandbox(info, google) == []
        secret = wizard.resolve_secret()
        if wizard.platform is Platform.GOOGLE:
            ctx.secrets["private key"] = json.loads(Path(google.key_file).read_text())["private_key"]
        else:
            ctx.secrets["wizard secret"] = secret
            ctx.users += [info.username, info.upn, info.username.split("\\")[-1]]
        report = wizard.run_test(secret=secret)
        wizard.record_test(report)
        assert wizard.test_passed, render_text(report)
        with Registry.for_region("us") as registry:
            wizard.save(registry)
        ctx.secrets.update({f"identity token {i}": t for i, t in enumerate(issued)})
        ctx.secrets.update(_issued_tokens(ctx.sandbox))
        summary = "\n".join(f"{label}: {value}" for label, value in wizard.summary())
        return [summary, render_text(report)]

    return flow


def _add_exchange_application(ctx: Context, *extra: str, secret_env: str, secret: str) -> list[str]:
    info = ctx.sandbox.info()
    ctx.monkeypatch.setenv(secret_env, secret)
    run = run_cli(
        ctx.capsys,
        ["applications", "add", "exchange", "--name", "Leak EWS", "--mailbox", info.mailbox_in_scope,
         "--ews-url", info.ews_url, "--ca-file", info.ca_file, "--scope-group", info.scope_group_address,
         "--timeout", "5", "--region", "us", "--verbose", "--json", *extra],
        limit=30,
    )
    ctx.monkeypatch.delenv(secret_env)
    return [run.out, run.err]


def _add_password_application(ctx: Context) -> list[str]:
    info = ctx.sandbox.info()
    ctx.secrets["password"] = info.password
    ctx.users += [info.username, info.upn, info.username.split("\\")[-1]]
    return _add_exchange_application(ctx, "--username", info.username, secret_env="EC_PASSWORD",
                                     secret=info.password)


def _profiles(ctx: Context, *argv: str) -> list[str]:
    run = run_cli(ctx.capsys, ["profiles", *argv, "--region", "us", "--verbose", "--json"], limit=60)
    return [run.out, run.err]


def profiles_link(ctx: Context) -> list[str]:
    """`applications add` then `profiles link`: passing, out-of-scope and nonexistent mailboxes."""
    info = ctx.sandbox.info()
    texts = _add_password_application(ctx)
    return texts + _profiles(ctx, "link", "--application", "Leak EWS", *info.mailboxes_in_scope[:3],
                             info.mailbox_out_of_scope, info.mailbox_nonexistent)


def profiles_check_all(ctx: Context) -> list[str]:
    """Check all over linked profiles, one of them now failing, then relink and list."""
    info = ctx.sandbox.info()
    texts = _add_password_application(ctx)
    texts += _profiles(ctx, "link", "--application", "Leak EWS", *info.mailboxes_in_scope[:4],
                       info.mailbox_out_of_scope)
    ctx.sandbox.org.ews_enabled = False  # every profile now fails: the application's failure is recorded too
    try:
        texts += _profiles(ctx, "check", "--concurrency", "8")
    finally:
        ctx.sandbox.org.ews_enabled = True
    texts += _profiles(ctx, "check", "--restart", "--concurrency", "8")
    texts += _profiles(ctx, "relink", info.mailbox_in_scope)
    return texts + _profiles(ctx, "list")


def applications_add_revoke(ctx: Context) -> list[str]:
    """OAuth: a failed add (wrong client secret), a good add, a revoke whose verification fails (nothing
    changes), a revoke with --skip-verify (the secret is deleted)."""
    info = ctx.sandbox.info()
    issued = _recording_identity_tokens(ctx)
    ctx.secrets.update({"client secret": info.client_secret, "wrong client secret": WRONG_CLIENT_SECRET})
    oauth = ("--tenant-id", info.tenant_id, "--client-id", info.client_id, "--authority", info.authority)
    texts = _add_exchange_application(ctx, *oauth, secret_env="EC_CLIENT_SECRET", secret=WRONG_CLIENT_SECRET)
    texts += _add_exchange_application(ctx, *oauth, secret_env="EC_CLIENT_SECRET", secret=info.client_secret)
    texts += _profiles(ctx, "link", "--application", "Leak EWS", info.mailboxes_in_scope[1])
    for extra in ((), ("--skip-verify",)):
        run = run_cli(ctx.capsys, ["applications", "revoke", "Leak EWS", "--yes", "--region", "us",
                                   "--verbose", "--json", *extra], limit=30)
        texts += [run.out, run.err]
    run = run_cli(ctx.capsys, ["applications", "list", "--region", "us", "--json"], limit=10)
    assert json.loads(run.out)[0]["status"] == "revoked"
    ctx.secrets.update({f"identity token {i}": t for i, t in enumerate(issued)})
    return [*texts, run.out, run.err]


def applications_edit_remove(ctx: Context) -> list[str]:
    """Rotate the password (a wrong one first: nothing replaced), import it into a keychain without it (a
    wrong one first: nothing stored), rename, check again, revoke, then remove
    after exporting the history into the data folder (swept too)."""
    info = ctx.sandbox.info()
    texts = _add_password_application(ctx)
    texts += _profiles(ctx, "link", "--application", "Leak EWS", info.mailboxes_in_scope[0])
    wrong = "Rotated-But-Wrong-7"
    ctx.secrets["wrong new password"] = wrong

    def cli(*argv: str) -> None:
        run = run_cli(ctx.capsys, ["applications", *argv, "--region", "us", "--verbose", "--json"], limit=30)
        texts.extend([run.out, run.err])

    for password in (wrong, info.password):
        ctx.monkeypatch.setenv("EC_PASSWORD", password)
        cli("rotate-secret", "Leak EWS")
    # another desktop: the keychain item is not there; import it (a wrong password first: nothing stored)
    default_store().delete(secret_key("us", "Leak EWS", "password"))
    for password in (wrong, info.password):
        ctx.monkeypatch.setenv("EC_PASSWORD", password)
        cli("import-credential", "Leak EWS")
    assert default_store().get(secret_key("us", "Leak EWS", "password")) == info.password
    ctx.monkeypatch.delenv("EC_PASSWORD")
    cli("rename", "Leak EWS", "Leak renamed")
    cli("recheck", "Leak renamed")
    cli("revoke", "Leak renamed", "--yes", "--skip-verify")
    export = paths.data_dir() / "leak-history.json"
    cli("remove", "Leak renamed", "--yes", "--export", str(export))
    assert export.is_file()
    return texts


def monitor_runs(ctx: Context) -> list[str]:
    """`monitor install` with a webhook (its address is a secret), then `monitor run` before and after two
    profiles break in the sandbox: the alert POSTed to a loopback receiver is swept too, with the settings
    file, the logs and the registry's health history."""
    from webhook_receiver import Receiver

    from ec_console import monitor_jobs
    from ec_console.commands import monitor as monitor_command

    class Scheduler(monitor_jobs.Scheduler):
        kind = "cron"

        def install(self, plan: monitor_jobs.JobPlan) -> list[str]:
            return [repr(plan)]

        def installed(self, region_id: str) -> bool:
            return True

    info = ctx.sandbox.info()
    texts = _add_password_application(ctx)
    texts += _profiles(ctx, "link", "--application", "Leak EWS", *info.mailboxes_in_scope[:3])
    ctx.monkeypatch.setattr(monitor_command, "_scheduler", lambda kind: Scheduler())
    with Receiver() as hook:
        ctx.secrets["webhook address"] = hook.url
        ctx.secrets["webhook path"] = f"/hook/{hook.SECRET_PART}"
        ctx.monkeypatch.setenv("EC_MONITOR_WEBHOOK_URL", hook.url)
        for argv in (["install", "--notify", "webhook", "--webhook-kind", "slack", "--every", "1h"], ["run"]):
            run = run_cli(ctx.capsys, ["monitor", *argv, "--region", "us", "--verbose", "--json"], limit=60)
            texts += [run.out, run.err]
        ctx.monkeypatch.delenv("EC_MONITOR_WEBHOOK_URL")
        for email in info.mailboxes_in_scope[:2]:
            ctx.sandbox.org.mailbox(email).in_scope = False
        try:
            argv = ["monitor", "run", "--scheduled", "--region", "us", "--verbose", "--json"]
            run = run_cli(ctx.capsys, argv, limit=60)
        finally:
            for email in info.mailboxes_in_scope[:2]:
                ctx.sandbox.org.mailbox(email).in_scope = True
        texts += [run.out, run.err]
        assert json.loads(run.out)["deliveries"] == [{"channel": "webhook (Slack)", "delivered": True,
                                                      "error": None}]
        assert len(hook.bodies) == 1
        texts += hook.bodies
    run = run_cli(ctx.capsys, ["monitor", "history", "--region", "us", "--json"], limit=10)
    return [*texts, run.out, run.err]


FLOWS: dict[str, Flow] = {
    "exchange check pass": exchange_pass,
    "exchange check fail": exchange_fail,
    "exchange oauth pass": exchange_oauth_pass,
    "exchange oauth fail": exchange_oauth_fail,
    "graph check pass": graph_pass,
    "graph check fail": graph_fail,
    "graph check certificate": graph_certificate,
    "google check pass": google_pass,
    "google check fail": google_fail,
    "credential store": credential_store,
    "report export": report_export,
    "exception dialog": exception_dialog,
    "wizard on-premises": _wizard("exchange_onprem"),
    "wizard Exchange Online": _wizard("exchange_online"),
    "wizard Google": _wizard("google"),
    "profiles link": profiles_link,
    "profiles check (check all)": profiles_check_all,
    "applications add and revoke": applications_add_revoke,
    "applications edit and remove": applications_edit_remove,
    "monitor runs with a webhook": monitor_runs,
}


@pytest.mark.parametrize("flow", list(FLOWS))
def test_no_secret_leaks(flow, sandbox, capsys, monkeypatch, tmp_path):
    clear_environment(monkeypatch)
    wire_check_command(monkeypatch)
    sandbox.requests.clear()
    ctx = Context(sandbox, capsys, monkeypatch, tmp_path)
    texts = FLOWS[flow](ctx)
    captured = capsys.readouterr()
    assert ctx.secrets, "the flow used no secret to look for"
    folders = [paths.config_dir(), paths.data_dir(), paths.log_dir()]
    assert any(p.suffix == ".log" for p in paths.log_dir().iterdir()) or flow in (
        "credential store",
        "report export",
    )
    leaks = find_leaks(
        ctx.secrets,
        {f"text {i}": t for i, t in enumerate(texts)} | {"stdout": captured.out, "stderr": captured.err},
        folders,
        ctx.users,
    )
    assert leaks == []


def test_the_sweep_finds_what_it_looks_for(tmp_path):
    """The sweep itself: a plain, URL-encoded and Basic-encoded secret in a file are all found."""
    import base64

    secret = "Sweep-Self-Test-Pw/+ü"
    (tmp_path / "a.log").write_text("x " + base64.b64encode(f"svc:{secret}".encode()).decode())
    (tmp_path / "b.txt").write_text("password=Sweep-Self-Test-Pw%2F%2B%C3%BC")
    hits = find_leaks({"pw": secret}, {"out": f'{{"p": {json.dumps(secret)}}}'}, [tmp_path], ["svc"])
    assert len(hits) == 3


def test_no_secret_leaks_with_a_postgresql_registry(pg_cluster, pg_registry, capsys, monkeypatch):
    """`registry login`, `status`, `migrate`, `init` and `audit verify --registry` against a real PostgreSQL:
    the login role's password (right, wrong, or typed into the URL) is in no output, log, config or data
    file."""
    from ec_console import cli
    from ec_console.registry import Registry

    clear_environment(monkeypatch)
    password, wrong = "Pg-Leak-Canary-Pässwort-5e1!", "Pg-Wrong-Canary-Pw-77c!"
    in_url = "Pg-Url-Canary-Pw-3a9"
    user = "leak_canary_login"
    with pg_cluster.connect() as conn:
        conn.execute(f"DROP ROLE IF EXISTS {user}")
        conn.execute(f"CREATE ROLE {user} LOGIN PASSWORD '{password}'")
        conn.execute(f"GRANT ec_helpdesk TO {user}")
    Registry.for_region("us").close()  # a SQLite registry for migrate to copy
    try:
        url = pg_cluster.url(pg_registry, user, tcp=True)
        codes = []
        for env_password, argv in ((wrong, ["registry", "login", "--url", url, "--verbose"]),
                                   (password, ["registry", "login", "--url", url, "--verbose"]),
                                   (None, ["registry", "status", "--url", url, "--verbose"]),
                                   (None, ["registry", "status", "--url", url, "--json"]),
                                   (None, ["audit", "verify", "--registry", url, "--verbose"]),
                                   # a helpdesk login may not copy a registry in: refused after signing in
                                   (None, ["registry", "migrate", "--region", "us", "--to", url, "-v"]),
                                   (None, ["registry", "init", "--url", url.replace(f"{user}@",
                                                                                    f"{user}:{in_url}@")])):
            if env_password is None:
                monkeypatch.delenv("EC_PASSWORD", raising=False)
            else:
                monkeypatch.setenv("EC_PASSWORD", env_password)
            codes.append(cli.main(argv))
    finally:
        with pg_cluster.connect() as conn:
            conn.execute(f"DROP ROLE IF EXISTS {user}")
    assert codes == [2, 0, 0, 0, 0, 2, 2]
    captured = capsys.readouterr()
    assert "helpdesk" in captured.out  # the flows ran through to the registry
    assert "Audit chain verified" in captured.out and "helpdesk member" in captured.err
    leaks = find_leaks({"login password": password, "wrong password": wrong, "password in the URL": in_url},
                       {"stdout": captured.out, "stderr": captured.err},
                       [paths.config_dir(), paths.data_dir(), paths.log_dir()], [user])
    assert leaks == []
