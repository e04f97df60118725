"""`python -m ec_console.ui.screenshots OUTDIR`: render every window of the console to PNG files.

Windows: the main window empty (`main-empty`) and with sample data (`main`), About (`about`), the exception
dialog (`exception`), every page of the setup wizard against the sandbox organisation (`wizard-platform`,
`wizard-connection-onprem`, `-online`, `-google`, `wizard-scope`, `wizard-test`, `wizard-test-failed`,
`wizard-summary`; Exchange Online through Microsoft Graph: `wizard-connection-graph`,
`wizard-connection-graph-certificate` after Create a certificate…, `wizard-scope-graph`, `wizard-test-graph`,
`wizard-summary-graph`, and `wizard-move-graph` moving an EWS application to Graph), the connectivity check
window (`check-view`; a failure whose fix names the fields: `check-view-failed`; started from a profile's
context menu `profile-context-menu` → `check-view-profile`, and its result gone stale `check-view-stale`),
Google discovery in the link dialog (`link-discover-google`), the dashboard's windows (`main-details`, a
narrow `main-details-narrow` with a long status message, `link-profiles`, `check-all`, `revoke-application`,
`audit-log` with a date range, the details pane and the chain verified, `audit-log-chain-broken` after an
entry was changed behind the console's back, ...), Edit / Remove application (`edit-application`,
`edit-application-rotate-failed`, `remove-application`), Import credential… on a desktop whose keychain lacks
the application's credential (`check-view-missing-credential` offering it, a profile's details offering it
after Read now `main-details-missing-credential`, `import-credential-failed` after a
wrong password, `import-credential-certificate` for a Graph certificate), and the main window with a Microsoft
365 (Graph) application (`main-graph`) and its check (`check-view-graph`), a Google application's check with
an account that should be denied (`check-view-google`), the Reconcile window (`reconcile`
with all four findings, `reconcile-revoke-leavers`, `reconcile-cannot-tell`, a Google Marketplace install's
leaks `reconcile-marketplace`) and the main window's reconciliation line (`main-reconciled`), the health
history window with its trend chart (`health-history`) and with two years of runs (`health-history-long`),
the main window signed in to a shared registry as a helpdesk member (`main-helpdesk`: the role in the status
bar, the administrator's actions disabled) and the tooltip of a disabled action saying why
(`main-helpdesk-tooltip`), the main window with a shared registry's connection lost
(`main-connection-lost`), a revoke confirmed meanwhile said as not done
(`main-connection-lost-not-revoked`), a read asked while the window reconnects (`main-reconnecting`) and
back (`main-connection-restored`), the region selector open on the
six data centres (`region-selector`), the main window in German (`main-de` with sample data, `main-empty-de`;
docs/i18n.md),
each in light, dark and high contrast (`--theme NAME`, repeatable, renders only those), at scale 1 and 2,
named `<window>-<theme>@<scale>x.png`. `--language de` renders every one of those windows in German
instead, named `<window>-de-<theme>@<scale>x.png` (the default run keeps `main-de` and `main-empty-de` as its
only German windows). Qt reads QT_SCALE_FACTOR once at start-up, so the tool runs itself in a
subprocess per scale. Everything happens on temporary EC_CONSOLE_HOME folders with the sample organisation.

README screenshots: `python -m ec_console.ui.screenshots docs/screenshots --readme` (`make
readme-screenshots`) renders at scale 1 in light and dark and writes only the files README.md shows
(`README_SHOTS` in both themes and `README_EXTRA`: the German main window `main-de`, light), each reduced
to a 256-colour PNG with Pillow; `make screenshots` writes those same files the same way among all the
others. The README files are the only ones committed (see .gitignore).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

SCALES = (1, 2)
THEMES = ("light", "dark", "high_contrast")
WINDOW_SIZE = (1280, 780)
# The windows README.md shows, light and dark at scale 1 (committed under docs/screenshots/).
README_SHOTS = ("main", "wizard-test", "check-view-failed", "check-all-running")
README_THEMES = ("light", "dark")
# Plus one German window (issue 16): the main window in German with the sample data, light only.
README_EXTRA = ("main-de-light@1x.png",)
LANGUAGES = ("en", "de")
# Appended to every window's name (`--language de`: "-de"); empty for the default English run.
_name_suffix = ""


def readme_files() -> list[str]:
    return [f"{window}-{scheme}@1x.png" for window in README_SHOTS for scheme in README_THEMES] \
        + list(README_EXTRA)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ec_console.ui.screenshots",
                                     description="Render every window of the console to PNG files.")
    parser.add_argument("outdir", type=Path, help="folder for the PNG files (created if missing)")
    parser.add_argument("--scale", type=int, choices=SCALES, help=argparse.SUPPRESS)
    parser.add_argument("--theme", action="append", choices=THEMES,
                        help="render only this theme (may be given more than once; default: all)")
    parser.add_argument("--language", choices=LANGUAGES, default="en",
                        help="render every window in this language (de: names end in -de; default: en)")
    parser.add_argument("--readme", action="store_true",
                        help="write only the README's screenshots (scale 1, light and dark), made small")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    themes = tuple(args.theme or THEMES)
    if args.scale is not None and not args.readme:
        return _render_all(args.outdir, args.scale, themes, args.language)
    if args.readme:
        return _render_readme(args.outdir)
    args.outdir.mkdir(parents=True, exist_ok=True)
    for scale in SCALES:
        if _render_in_child(args.outdir, scale, themes, args.language) != 0:
            return 1
    _shrink_readme_files(args.outdir)
    written = sorted(args.outdir.glob("*@*x.png"))
    print(f"{len(written)} screenshots in {args.outdir}")
    return 0


def _render_in_child(outdir: Path, scale: int, themes: tuple[str, ...], language: str = "en") -> int:
    env = dict(os.environ, QT_SCALE_FACTOR=str(scale))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["EC_CONSOLE_CREDENTIAL_STORE"] = env.get("EC_CONSOLE_CREDENTIAL_STORE") or "memory"
    command = [sys.executable, "-m", "ec_console.ui.screenshots", str(outdir), "--scale", str(scale)]
    for scheme in themes:
        command += ["--theme", scheme]
    if language != "en":
        command += ["--language", language]
    status = subprocess.call(command, env=env)
    if status != 0:
        print(f"screenshots: rendering at scale {scale} failed (status {status})", file=sys.stderr)
    return status


def _render_readme(outdir: Path) -> int:
    """Render at scale 1 in the README's themes into a scratch folder; keep only the README's files."""
    import shutil

    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ec-console-readme-shots-") as scratch:
        if _render_in_child(Path(scratch), 1, README_THEMES) != 0:
            return 1
        missing = [name for name in readme_files() if not (Path(scratch) / name).is_file()]
        if missing:
            print(f"screenshots: not rendered: {', '.join(missing)}", file=sys.stderr)
            return 1
        for name in readme_files():
            shutil.copyfile(Path(scratch) / name, outdir / name)
    _shrink_readme_files(outdir)
    for name in readme_files():
        print(f"  {outdir / name}")
    return 0


def _shrink_readme_files(outdir: Path) -> None:
    """The README's screenshots as 256-colour PNGs (about a third of the size; UI colours survive)."""
    from PIL import Image

    for name in readme_files():
        path = outdir / name
        if not path.is_file():
            continue
        with Image.open(path) as image:
            # Fast octree keeps a status icon's few orange or red pixels; median cut greys them out.
            small = image.convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE)
        small.save(path, "PNG", optimize=True)


def _settle(app: object) -> None:
    for _ in range(6):
        app.processEvents()  # type: ignore[attr-defined]


def _select_row(table: object, row: int) -> None:
    """Select exactly one row of a table view. Unlike `selectRow`, which extends or toggles the selection
    when the application believes Ctrl or Shift is held (a state simulated key presses can leave behind),
    the rest of the selection is always cleared."""
    from PySide6.QtCore import QItemSelectionModel

    index = table.model().index(row, 0)  # type: ignore[attr-defined]
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    table.selectionModel().setCurrentIndex(index, flags)  # type: ignore[attr-defined]


def _save(widget: object, outdir: Path, name: str, scheme: str, scale: int) -> None:
    path = outdir / f"{name}{_name_suffix}-{scheme}@{scale}x.png"
    if not widget.grab().save(str(path), "PNG"):  # type: ignore[attr-defined]
        raise OSError(f"cannot write {path}")
    print(f"  {path}")


def _with_home(seed: bool, body: Callable[[], None]) -> None:
    from ec_console.registry import Registry
    from ec_console.resources import resources_dir
    from ec_console.ui.sample_data import seed_sample_data

    saved = os.environ.get("EC_CONSOLE_HOME")
    with tempfile.TemporaryDirectory(prefix="ec-console-shots-") as home:
        os.environ["EC_CONSOLE_HOME"] = home
        resources_dir.cache_clear()
        try:
            if seed:
                for region_id, count in (("us", 640), ("de", 120)):
                    with Registry.for_region(region_id) as registry:
                        seed_sample_data(registry, region_id, profiles=count)
            body()
        finally:
            if saved is None:
                os.environ.pop("EC_CONSOLE_HOME", None)
            else:
                os.environ["EC_CONSOLE_HOME"] = saved


def _render_all(outdir: Path, scale: int, themes: tuple[str, ...] = THEMES, language: str = "en") -> int:
    """Render every window; `language` "de" renders them all in German, each name ending in -de."""
    global _name_suffix
    if language == "en":
        return _render_windows(outdir, scale, themes, german=False)
    from ec_console.ui.app import create_application, install_translators, remove_translators

    app = create_application()
    install_translators(app, language)
    _name_suffix = f"-{language}"
    try:
        return _render_windows(outdir, scale, themes, german=True)
    finally:
        _name_suffix = ""
        remove_translators(app)


def _render_windows(outdir: Path, scale: int, themes: tuple[str, ...], *, german: bool) -> int:
    from ec_console.ui import theme
    from ec_console.ui.about import AboutDialog, keychain_status
    from ec_console.ui.app import create_application, create_main_window
    from ec_console.ui.errors import ExceptionDialog, format_details, log_file_path, short_message
    from ec_console.ui.tasks import shutdown_pools

    outdir.mkdir(parents=True, exist_ok=True)
    app = create_application()

    def main_window(name: str) -> None:
        keychain = keychain_status()  # inside the temporary home: the memory store lives in its data folder
        window = create_main_window("us", keychain=keychain)
        window.resize(*WINDOW_SIZE)
        window.show()
        _settle(app)
        _save(window, outdir, name, scheme, scale)
        if name == "main":
            about = AboutDialog(keychain, window)
            about.show()
            _settle(app)
            _save(about, outdir, "about", scheme, scale)
            about.close()
            _exception_dialog(window)
            # A shared (PostgreSQL) registry's connection lost, then back: the status bar says so.
            window.connection_status.show_state("lost: the database server closed the connection")
            _settle(app)
            _save(window, outdir, "main-connection-lost", scheme, scale)
            # A revoke confirmed while the server cannot be reached: said as not done, beside the dot.
            # (the core's own words for it, in the window's language; the server's answer as it gives it)
            from ec_console import registry_pg

            refused = OSError('connection to server at "db.example.com" (10.0.0.5), port 5432 failed: '
                              "Connection refused")
            window.registry_unreachable(window.tr("Not revoked: ") + registry_pg.explain_connect_error(
                registry_pg.parse_url("postgresql://db.example.com:5432/ec?sslmode=require"), refused))
            _settle(app)
            _save(window, outdir, "main-connection-lost-not-revoked", scheme, scale)
            # A read asked while the window's own connection is opened again on a worker: said at once.
            from ec_console.registry_pg import reconnecting_message

            window.registry_unreachable(reconnecting_message("db.example.com:5432/ec"))
            _settle(app)
            _save(window, outdir, "main-reconnecting", scheme, scale)
            window.statusBar().clearMessage()
            window.connection_status.show_state("reconnected")
            _settle(app)
            _save(window, outdir, "main-connection-restored", scheme, scale)
        window.close()
        window.deleteLater()
        _settle(app)

    def in_german(shoot: Callable[[], None]) -> None:
        from ec_console.ui.app import install_translators, remove_translators

        install_translators(app, "de")
        try:
            shoot()
        finally:
            remove_translators(app)

    def _exception_dialog(parent: object) -> None:
        try:
            {}["region"]  # a real traceback from this module for the sample
        except KeyError as exc:
            dialog = ExceptionDialog(short_message(exc), format_details(type(exc), exc, exc.__traceback__),
                                     log_file_path(), parent)  # type: ignore[arg-type]
            dialog.toggle_button.setChecked(True)
            dialog.resize(640, 440)
            dialog.show()
            _settle(app)
            _save(dialog, outdir, "exception", scheme, scale)
            dialog.close()

    from ec_console.sandbox import Sandbox

    try:
        with Sandbox(google=True, graph=True) as sandbox:
            for scheme in themes:
                theme.apply_theme(app, scheme)  # type: ignore[arg-type]
                _with_home(False, lambda: main_window("main-empty"))
                _with_home(True, lambda: main_window("main"))
                if not german:  # the whole run is German otherwise: "main" is already "main-de"
                    _with_home(True, lambda: in_german(lambda: main_window("main-de")))
                    _with_home(False, lambda: in_german(lambda: main_window("main-empty-de")))
                _with_home(False, lambda s=scheme: _wizard_shots(app, sandbox, outdir, s, scale))
                _with_home(False, lambda s=scheme: _dashboard_shots(app, sandbox, outdir, s, scale))
                _with_home(False, lambda s=scheme: _edit_application_shots(app, sandbox, outdir, s, scale))
                _with_home(False, lambda s=scheme: _words_shots(app, sandbox, outdir, s, scale))
                _with_home(False, lambda s=scheme: _graph_shots(app, outdir, s, scale))
                _with_home(False, lambda s=scheme: _reconcile_shots(app, sandbox, outdir, s, scale))
                _with_home(False,
                           lambda s=scheme: _marketplace_reconcile_shot(app, sandbox, outdir, s, scale))
                _with_home(False, lambda s=scheme: _health_history_shots(app, outdir, s, scale))
                _with_home(False, lambda s=scheme: _region_selector_shot(app, outdir, s, scale))
                _with_home(False, lambda s=scheme: _health_history_shots(
                    app, outdir, s, scale, "health-history-long", seed_long_health_history))
                _with_home(True, lambda s=scheme: _helpdesk_shots(app, outdir, s, scale))
    finally:
        shutdown_pools()
    return 0


def _helpdesk_shots(app: object, outdir: Path, scheme: str, scale: int) -> None:
    """The main window signed in to a shared registry as a helpdesk member, a profile selected; and the
    tooltip of the disabled Revoke profile button."""
    from PySide6.QtWidgets import QApplication, QToolBar, QToolTip

    from ec_console.registry import Registry
    from ec_console.ui.app import create_main_window

    def helpdesk_registry(region_id: str) -> Registry:
        """The sample registry as a PostgreSQL login of ec_helpdesk would see it (a registry sets who is
        signed in when it opens, so this is set on the opened one)."""
        registry = Registry.for_region(region_id)
        registry.role, registry.engine = "helpdesk", "postgresql"
        registry.signed_in_as, registry.where = "alex", "db.example.com/ec"
        return registry

    window = create_main_window("us", keychain="Secret Service (GNOME Keyring)")
    window._registry_factory = helpdesk_registry
    window._open_region("us")
    window.resize(*WINDOW_SIZE)
    window.show()
    _settle(app)
    _select_row(window.profiles_table, 2)
    _settle(app)
    _save(window, outdir, "main-helpdesk", scheme, scale)
    bar = window.findChild(QToolBar)
    button = bar.widgetForAction(window.actions["revokeProfileAction"]) if bar is not None else None
    if button is not None:
        QToolTip.showText(button.mapToGlobal(button.rect().center()), button.toolTip(), button)
        _settle(app)
        tip = next((w for w in QApplication.topLevelWidgets()
                    if w.inherits("QTipLabel") and w.isVisible()), None)
        if tip is not None:
            _save(tip, outdir, "main-helpdesk-tooltip", scheme, scale)
        QToolTip.hideText()
    window.close()
    window.deleteLater()
    _settle(app)


def seed_health_history(registry: Any, runs: int = 12) -> list[Any]:
    """Two applications' monitor runs every 6 hours (a dip in the middle), for the window and its tests."""
    from datetime import UTC, datetime, timedelta

    from ec_console.registry import HealthRow, utc_text

    contoso = registry.add_application("Contoso calendars", "exchange", "contoso.com", {"sample": True})
    rooms = registry.add_application("Room booking (Contoso)", "exchange", "contoso.com", {"sample": True})
    start = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    rows = []
    for i in range(runs):
        at = utc_text(start + timedelta(hours=6 * i))
        relink = 3 if 4 <= i <= 6 else 0
        failing = 2 if i == 5 else 0
        leaks = 1 if i == 8 else 0
        rows.append(HealthRow(f"run-{i}", at, contoso.id, contoso.name, "scheduled" if i % 4 else "manual",
                              "failing" if relink or failing or leaks else "ok", linked=40 + i - relink,
                              needs_relink=relink, failing=failing, leaks=leaks,
                              diagnoses=(("impersonation_denied",) if relink else ())
                              + (("scope_not_enforced",) if leaks else ()), duration=12.5))
        rows.append(HealthRow(f"run-{i}", at, rooms.id, rooms.name, "scheduled" if i % 4 else "manual", "ok",
                              linked=8, leaks=None if i < 3 else 0, duration=12.5))
    registry.record_health(rows)
    return rows


def seed_long_health_history(registry: Any, days: int = 730) -> list[Any]:
    """Two years of a run every 6 hours for one application: its linked count growing in steps, a week of
    profiles needing relink, a few failing stretches and single failing runs, one leak."""
    from datetime import UTC, datetime, timedelta

    from ec_console.registry import HealthRow, utc_text

    app = registry.add_application("Contoso calendars", "exchange", "contoso.com", {"sample": True})
    start = datetime(2024, 12, 3, 0, 0, tzinfo=UTC)
    rows = []
    for i in range(days * 4):
        linked = 120 + 15 * (i // 500) + (i % 7 == 0)
        relink = 6 if 1200 <= i < 1228 else 0
        failing = 3 if 2000 <= i < 2012 else 1 if i in (333, 1717, 2600) else 0
        leaks = 1 if i == 2222 else 0
        outcome = "failing" if relink or failing or leaks else "ok"
        rows.append(HealthRow(f"run-{i}", utc_text(start + timedelta(hours=6 * i)), app.id, app.name,
                              "scheduled", outcome, linked=linked - relink, needs_relink=relink,
                              failing=failing, leaks=leaks,
                              diagnoses=(("impersonation_denied",) if relink or failing else ())
                              + (("scope_not_enforced",) if leaks else ()), duration=31.0))
    registry.record_health(rows)
    return rows


def _health_history_shots(app: object, outdir: Path, scheme: str, scale: int, name: str = "health-history",
                          seed: Callable[[Any], object] | None = None) -> None:
    """`health-history`: the trend chart and the runs of one application; `health-history-long` (seeded by
    `seed_long_health_history`): two years of runs, the chart thinned to its width, every problem run
    marked."""
    from ec_console.registry import Registry
    from ec_console.ui.about import keychain_status
    from ec_console.ui.app import create_main_window

    with Registry.for_region("us") as registry:
        (seed or seed_health_history)(registry)
    window = create_main_window("us", keychain=keychain_status())
    window.resize(*WINDOW_SIZE)
    window.show()
    dialog = window.open_health_history()
    _wait(app, lambda: dialog.loading is None and dialog.rows)
    _settle(app)
    _save(dialog, outdir, name, scheme, scale)
    dialog.close()
    window.close()
    window.deleteLater()
    _settle(app)


def _region_selector_shot(app: object, outdir: Path, scheme: str, scale: int) -> None:
    """`region-selector`: the toolbar's region selector open, listing the six data centres by name."""
    from ec_console.ui.about import keychain_status
    from ec_console.ui.app import create_main_window

    window = create_main_window("us", keychain=keychain_status())
    window.resize(*WINDOW_SIZE)
    window.show()
    _settle(app)
    selector = window.region_selector
    selector.showPopup()
    _settle(app)
    _save(selector.view().window(), outdir, "region-selector", scheme, scale)
    selector.hidePopup()
    window.close()
    window.deleteLater()
    _settle(app)


def _graph_shots(app: object, outdir: Path, scheme: str, scale: int) -> None:
    """`main-graph`: the main window with a Microsoft 365 (Graph) application beside an Exchange one."""
    from ec_console.registry import Registry
    from ec_console.ui.about import keychain_status
    from ec_console.ui.app import create_main_window

    with Registry.for_region("us") as registry:
        graph = registry.add_application(
            "Exchange Online calendars", "graph", "contoso.com",
            {"sample": True, "tenant_id": "contoso.onmicrosoft.com",
             "client_id": "3c9d2a41-6f0e-4b7a-8d25-1e0f4a6b7c01",
             "scope_group": "ec-calendar-scope@contoso.com"})
        exchange = registry.add_application("Room booking (Contoso)", "exchange", "contoso.com",
                                            {"sample": True})
        for local in ("ada.lovelace", "grace.hopper", "alan.turing", "katherine.johnson", "edsger.dijkstra"):
            registry.add_profile(graph.id, f"{local}@contoso.com",
                                 display_name=local.replace(".", " ").title(), status="linked")
        registry.add_profile(graph.id, "barbara.liskov@contoso.com", display_name="Barbara Liskov",
                             status="needs_relink")
        registry.add_profile(exchange.id, "room-4.12@contoso.com", display_name="Room 4.12", status="linked")
    window = create_main_window("us", keychain=keychain_status())
    window.resize(*WINDOW_SIZE)
    window.show()
    _settle(app)
    _save(window, outdir, "main-graph", scheme, scale)
    # `import-credential-certificate`: a Graph application that signs in with a certificate, on a desktop
    # whose keychain lacks it (the dialog as it opens, a PFX file chosen).
    from dataclasses import replace

    from ec_console.ui import operations as ops
    from ec_console.ui.import_credential import ImportCredentialDialog

    with_certificate = replace(graph, settings={**graph.settings,
                                                "certificate": "/home/admin/ec-calendar-access.pfx"})
    dialog = ImportCredentialDialog(with_certificate, ops.Scope("us"), window)
    dialog.field.setText("/home/hank/Downloads/ec-calendar-access.pfx")
    dialog.show()
    _settle(app)
    _save(dialog, outdir, "import-credential-certificate", scheme, scale)
    dialog.reject()
    dialog.deleteLater()
    window.close()
    window.deleteLater()
    _settle(app)

    # `check-view-graph`: a saved Graph application checked against the Graph sandbox, write probe included.
    from ec_console import dashboard
    from ec_console.sandbox.graph import GraphSandbox
    from ec_console.ui.check_view import CheckView

    with GraphSandbox() as sandbox:
        info = sandbox.info()
        spec = dashboard.ApplicationSpec(
            "Sandbox Microsoft 365", "graph", info.tenant_domain,
            {"tenant_id": info.tenant_id, "client_id": info.client_id, "authority": info.authority,
             "graph_url": info.graph_url, "ca_file": info.ca_file, "scope_group": info.scope_group_address},
            info.mailbox_in_scope)
        with Registry.for_region("us") as registry:
            saved = dashboard.add_application(registry, spec, info.client_secret).application
        view = CheckView("us")
        view.resize(860, 700)
        view.show()
        if saved is not None:
            view.source.setCurrentIndex(view.source.findData(saved.id))
        view.denied.setText(info.mailbox_out_of_scope)
        view.write_probe.setChecked(True)
        view.run()
        _wait(app, lambda: not view.running and view.task is None)
        _settle(app)
        _save(view, outdir, "check-view-graph", scheme, scale)
        view.close()
        view.deleteLater()
        _settle(app)


def _wait(app: object, condition: Callable[[], bool], seconds: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the sandbox check did not finish in time")
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.01)


def _wizard_shots(app: object, sandbox: object, outdir: Path, scheme: str, scale: int) -> None:
    from ec_console.regions import load_regions
    from ec_console.ui.check_view import CheckView
    from ec_console.ui.wizard import SandboxSession, SetupWizard
    from ec_console.wizard import CONNECTION_PAGES, Page, Platform

    session = SandboxSession()
    session.sandbox = sandbox
    region = load_regions().get("us")

    def wizard_for(platform: Platform) -> SetupWizard:
        wizard = SetupWizard("us", region=region, sandbox=session, keychain="Secret Service")
        wizard.resize(820, 640)
        wizard.show()
        page = wizard.page_widget(Page.PLATFORM)
        page.buttons[platform].setChecked(True)
        page.sandbox_box.setChecked(True)
        _settle(app)
        return wizard

    def go_next(wizard: SetupWizard) -> None:
        wizard.next()
        _settle(app)

    def finish_test(wizard: SetupWizard) -> None:
        test = wizard.page_widget(Page.TEST)
        _wait(app, lambda: wizard.flow.test_report is not None and not test.running)
        rows = test.steps.rows
        failed = [row for row in rows.values() if row.status == "fail"]
        if not failed and "restriction" in rows:
            rows["restriction"].toggle.setChecked(True)   # show what an expanded step looks like
        _settle(app)

    wizard = wizard_for(Platform.ONPREM)
    _save(wizard, outdir, "wizard-platform", scheme, scale)
    go_next(wizard)
    _save(wizard, outdir, "wizard-connection-onprem", scheme, scale)
    go_next(wizard)
    _save(wizard, outdir, "wizard-scope", scheme, scale)
    go_next(wizard)
    finish_test(wizard)
    _save(wizard, outdir, "wizard-test", scheme, scale)
    go_next(wizard)
    _save(wizard, outdir, "wizard-summary", scheme, scale)
    wizard.reject()
    wizard.deleteLater()

    for platform in (Platform.ONLINE, Platform.GOOGLE):
        wizard = wizard_for(platform)
        go_next(wizard)
        assert wizard.current() is CONNECTION_PAGES[platform]
        _save(wizard, outdir, f"wizard-connection-{platform.value.split('_')[-1]}", scheme, scale)
        wizard.reject()
        wizard.deleteLater()

    _graph_wizard_shots(app, wizard_for, go_next, finish_test, outdir, scheme, scale)

    wizard = wizard_for(Platform.ONPREM)
    go_next(wizard)
    wizard.currentPage().form.set_text("password", "not the password")
    go_next(wizard)
    go_next(wizard)
    finish_test(wizard)
    _save(wizard, outdir, "wizard-test-failed", scheme, scale)
    wizard.reject()
    wizard.deleteLater()
    _settle(app)

    view = CheckView("us")
    view.resize(860, 700)
    view.show()
    view.source.setCurrentIndex(view.source.count() - 1)
    info = sandbox.info()  # type: ignore[attr-defined]
    for key, value in {"ews_url": info.ews_url, "username": info.username, "password": info.password,
                       "ca_file": info.ca_file}.items():
        view.adhoc_form.set_text(key, value)
    view.mailbox.setText(info.mailboxes_in_scope[0])
    view.denied.setText(info.mailboxes_out_of_scope[0])
    view.run()
    _wait(app, lambda: not view.running and view.task is None)
    _settle(app)
    _save(view, outdir, "check-view", scheme, scale)
    view.close()
    view.deleteLater()
    session.sandbox = None
    _settle(app)


def _graph_wizard_shots(app: object, wizard_for: Callable[..., Any], go_next: Callable[..., None],
                        finish_test: Callable[..., None], outdir: Path, scheme: str, scale: int) -> None:
    """Exchange Online through Microsoft Graph: the connection page (filled from the sandbox, then with a
    certificate made by the button), the RBAC for Applications scope page, the test, the summary, and the
    wizard moving an Exchange Online EWS application to Graph."""
    import tempfile

    from ec_console.registry import Registry
    from ec_console.ui.wizard import SetupWizard
    from ec_console.wizard import Page, Platform

    wizard = wizard_for(Platform.GRAPH)
    go_next(wizard)
    _save(wizard, outdir, "wizard-connection-graph", scheme, scale)
    folder = Path(tempfile.mkdtemp(prefix="ec-shots-cert-"))
    wizard.choose_certificate_file = lambda _name: str(folder / "contoso-calendar-graph.pem")
    box = wizard.currentPage().certificate_box
    box.button.click()
    _wait(app, lambda: box.created is not None or box.task is None)
    _settle(app)
    _save(wizard, outdir, "wizard-connection-graph-certificate", scheme, scale)
    wizard.reject()
    wizard.deleteLater()

    wizard = wizard_for(Platform.GRAPH)
    go_next(wizard)
    go_next(wizard)
    _save(wizard, outdir, "wizard-scope-graph", scheme, scale)
    go_next(wizard)
    finish_test(wizard)
    _save(wizard, outdir, "wizard-test-graph", scheme, scale)
    go_next(wizard)
    _save(wizard, outdir, "wizard-summary-graph", scheme, scale)
    wizard.reject()
    wizard.deleteLater()

    with Registry.for_region("us") as registry:
        ews = registry.find_application("Contoso EWS") or registry.add_application(
            "Contoso EWS", "exchange", "contoso.com",
            {"test_mailbox": "alice@contoso.com", "auth": "oauth", "tenant_id": "contoso.onmicrosoft.com",
             "client_id": "3c9d5a1e-8f2b-4c7d-9e6a-1b2c3d4e5f60", "scope_group": "EC Calendar Scope",
             "expect_denied": "ceo@contoso.com"})
    wizard = SetupWizard("us", keychain="Secret Service", move_application=ews)
    wizard.resize(820, 640)
    wizard.show()
    _settle(app)
    wizard.next()
    _settle(app)
    assert wizard.current() is Page.CONNECTION_GRAPH
    _save(wizard, outdir, "wizard-move-graph", scheme, scale)
    wizard.reject()
    wizard.deleteLater()
    _settle(app)


def _linked_then_broken(sandbox: object, registry: object, application: object, store: object,
                        addresses: list[str]) -> None:
    """Profiles that were linked and have since broken (needs relink): linked while the sandbox lets them
    answer, then relinked once they no longer do."""
    from ec_console import dashboard
    from ec_console.sandbox.org import Behaviour

    boxes = [sandbox.org.mailboxes[a] for a in addresses]  # type: ignore[attr-defined]
    saved = [(box.in_scope, box.behaviour) for box in boxes]
    for box in boxes:
        box.in_scope, box.behaviour = True, Behaviour.NORMAL
    try:
        dashboard.link_profiles(registry, application, addresses, store=store)  # type: ignore[arg-type]
    finally:
        for box, (in_scope, behaviour) in zip(boxes, saved, strict=True):
            box.in_scope, box.behaviour = in_scope, behaviour
    ids = [registry.find_profile(application.id, a).id for a in addresses]  # type: ignore[attr-defined]
    dashboard.relink_profiles(registry, ids, store=store)  # type: ignore[arg-type]


def _words_shots(app: object, sandbox: object, outdir: Path, scheme: str, scale: int) -> None:
    """A failed check whose fix names fields (`check-view-failed`), and Google discovery with nothing
    pre-ticked and the administrators and executives marked (`link-discover-google`)."""
    from ec_console.registry import Registry
    from ec_console.ui.app import create_main_window
    from ec_console.ui.check_view import CheckView
    from ec_console.ui.link_dialog import LinkProfilesDialog
    from ec_console.wizard import Platform, SetupFlow

    info = sandbox.info()  # type: ignore[attr-defined]
    view = CheckView("us")
    view.resize(860, 700)
    view.show()
    view.source.setCurrentIndex(view.source.count() - 1)
    for key, value in {"ews_url": info.ews_url, "username": info.username, "password": "not the password",
                       "ca_file": info.ca_file}.items():
        view.adhoc_form.set_text(key, value)
    view.mailbox.setText(info.mailboxes_in_scope[0])
    view.run()
    _wait(app, lambda: not view.running and view.task is None)
    _settle(app)
    _save(view, outdir, "check-view-failed", scheme, scale)
    view.close()
    view.deleteLater()

    flow = SetupFlow("us")
    flow.choose_platform(Platform.GOOGLE)
    flow.fill_from_sandbox(info, sandbox.google.info())  # type: ignore[attr-defined]
    flow.record_test(flow.run_test(secret=flow.resolve_secret()))
    with Registry.for_region("us") as registry:
        google_app = flow.save(registry)
    window = create_main_window("us", keychain="Secret Service")
    window.resize(*WINDOW_SIZE)
    window.show()
    _settle(app)
    for index in range(window.applications_list.count()):
        if window.applications_list.item(index).text().startswith(google_app.name):
            window.applications_list.setCurrentRow(index)
    link = window.open_link_dialog()
    assert isinstance(link, LinkProfilesDialog)
    link.discover()
    _wait(app, lambda: link.discovery is None and link.model.rowCount() > 0)
    _settle(app)
    _save(link, outdir, "link-discover-google", scheme, scale)
    link.reject()
    window.close()
    window.deleteLater()
    _settle(app)

    # `check-view-google`: the saved Google application checked with an account that must be outside the
    # scope (domain-wide delegation reaches it anyway: the restriction step fails with its fix).
    google = sandbox.google.info()  # type: ignore[attr-defined]
    view = CheckView("us")
    view.resize(860, 700)
    view.show()
    view.source.setCurrentIndex(view.source.findData(google_app.id))
    view.mailbox.setText(google.users["ok"])
    view.denied.setText(google.users["outside_group"])
    view.run()
    _wait(app, lambda: not view.running and view.task is None)
    _settle(app)
    _save(view, outdir, "check-view-google", scheme, scale)
    view.close()
    view.deleteLater()
    _settle(app)


def _dashboard_shots(app: object, sandbox: object, outdir: Path, scheme: str, scale: int) -> None:
    """The dashboard actions against the sandbox organisation: profile details, link, check all, revoke
    (profiles and application) and the audit log."""
    from ec_console import dashboard
    from ec_console.registry import Registry
    from ec_console.secrets import default_store
    from ec_console.ui.app import create_main_window
    from ec_console.ui.audit_view import AuditLogDialog
    from ec_console.ui.check_all import CheckAllDialog
    from ec_console.ui.link_dialog import LinkProfilesDialog
    from ec_console.ui.profile_details import RevokeProfilesDialog
    from ec_console.ui.revoke_application import RevokeApplicationDialog

    info = sandbox.info()  # type: ignore[attr-defined]
    spec = dashboard.ApplicationSpec(
        "Contoso scheduling", "exchange", info.domain,
        {"ews_url": info.ews_url, "username": info.username, "ca_file": info.ca_file,
         "scope_group": info.scope_group, "scope_group_address": info.scope_group_address, "timeout": 10},
        info.mailbox_in_scope, expect_denied=info.mailbox_out_of_scope)
    with Registry.for_region("us") as registry:
        store = default_store()
        application = dashboard.add_application(registry, spec, info.password, store=store).application
        dashboard.link_profiles(registry, application, info.mailboxes_in_scope[:14], store=store)
        _linked_then_broken(sandbox, registry, application, store,
                            [info.mailbox_out_of_scope, info.mailbox_ews_blocked])
    window = create_main_window("us", keychain="Secret Service")
    window.resize(*WINDOW_SIZE)
    window.show()
    _settle(app)
    model = window.model
    rows = [model.data(model.index(r, 0)) for r in range(model.rowCount())]
    row = rows.index(info.mailbox_out_of_scope)
    _select_row(window.profiles_table, row)
    window.show_profile_details(model.index(row, 0))
    _wait(app, lambda: window.details_pane.details is not None)
    _settle(app)
    _save(window, outdir, "main-details", scheme, scale)
    # A narrow window with a long status message: the texts elide in the middle, the table stays in view.
    window.resize(900, 640)
    window.statusBar().showMessage(
        "3 profiles revoked in United States (US); the platform step that withdraws each one is in the "
        "profile's details, with the command to copy", 60000)
    _settle(app)
    _save(window, outdir, "main-details-narrow", scheme, scale)
    window.statusBar().clearMessage()
    window.resize(*WINDOW_SIZE)
    _settle(app)
    _quick_check_shots(app, window, rows, info, outdir, scheme, scale)

    confirm = RevokeProfilesDialog(rows[:3], window)
    confirm.show()
    _settle(app)
    _save(confirm, outdir, "revoke-profiles", scheme, scale)
    confirm.reject()

    window.details_pane.clear()
    for index in range(window.applications_list.count()):
        if window.applications_list.item(index).text().startswith("Contoso scheduling"):
            window.applications_list.setCurrentRow(index)
    link = window.open_link_dialog()
    assert isinstance(link, LinkProfilesDialog)
    link.tabs.setCurrentIndex(1)
    link.paste_box.setPlainText("\n".join([*info.mailboxes_in_scope[12:16], info.mailbox_nonexistent,
                                           info.mailbox_folder_denied, info.mailbox_throttled,
                                           "front desk"]))
    link.add_pasted()
    _wait(app, lambda: link.model.rowCount() == 7 and link.add_button.isEnabled())
    org = sandbox.org  # type: ignore[attr-defined]
    saved_back_off, org.throttle_back_off_ms = org.throttle_back_off_ms, 200
    try:
        link.start_link()
        _wait(app, lambda: link.summary is not None)
    finally:
        org.throttle_back_off_ms = saved_back_off
    _settle(app)
    _save(link, outdir, "link-profiles", scheme, scale)
    link.reject()
    _settle(app)

    check = window.start_check_all()
    assert isinstance(check, CheckAllDialog)
    _settle(app)
    _save(check, outdir, "check-all", scheme, scale)
    sandbox.ews_server.latency = 0.25  # type: ignore[attr-defined]
    try:
        check.concurrency.setValue(1)
        check.accept()
        _wait(app, lambda: window.run_panel.isVisible() and window.run_panel.progress is not None
              and window.run_panel.progress.done >= 2)
        _settle(app)
        _save(window, outdir, "check-all-running", scheme, scale)
        window.run_panel.cancel()
        _wait(app, lambda: not window.run_panel.running)
    finally:
        sandbox.ews_server.latency = 0.0  # type: ignore[attr-defined]

    # Check all while Exchange asks to wait (the throttled mailbox was linked before it got busy).
    with Registry.for_region("us") as registry:
        registry.add_profile(application.id, info.mailbox_throttled)
    window.results_arrived(now=True)
    window.start_check_all(concurrency=1)
    paused = ("Paused", "pausiert")       # the pause's words in English and in German (--language de)
    _wait(app, lambda: window.run_panel.isVisible()
          and any(word in window.run_panel.label.text() for word in paused))
    _settle(app)
    _save(window, outdir, "check-all-paused", scheme, scale)
    window.run_panel.cancel()
    _wait(app, lambda: not window.run_panel.running)

    revoke = window.revoke_selected_application()
    assert isinstance(revoke, RevokeApplicationDialog)
    revoke.verify()
    _wait(app, lambda: revoke.verification is not None)
    revoke.confirm_name.setText("Contoso sch")
    _settle(app)
    _save(revoke, outdir, "revoke-application", scheme, scale)
    revoke.reject()

    audit = window.open_audit_log()
    assert isinstance(audit, AuditLogDialog)
    _wait(app, lambda: audit.page is not None)
    audit.from_check.setChecked(True)            # a date range (the last 30 days) and the details pane
    _wait(app, lambda: audit.loading is None and audit.page is not None)
    actions = [e.action for e in audit.model.entries]
    if "check_all_cancelled" in actions:
        _select_row(audit.table, actions.index("check_all_cancelled"))
    _wait(app, lambda: audit.verifying is None and audit.chain_result is not None)
    _settle(app)
    _save(audit, outdir, "audit-log", scheme, scale)
    # The same window once someone has changed an entry behind the console's back (a plain sqlite3 UPDATE).
    import sqlite3

    with Registry.for_region("us") as registry:
        path, middle = registry.path, registry.audit_entries(limit=1, offset=5)[0].id
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("UPDATE audit SET os_user = 'someone-else' WHERE id = ?", (middle,))
    conn.close()
    audit.refresh_button.click()
    _wait(app, lambda: audit.verifying is None and audit.loading is None)
    ids = [e.id for e in audit.model.entries]
    if middle in ids:
        _select_row(audit.table, ids.index(middle))
    _settle(app)
    _save(audit, outdir, "audit-log-chain-broken", scheme, scale)
    audit.close()
    window.close()
    window.deleteLater()
    _settle(app)


def _quick_check_shots(app: object, window: object, rows: list[str], info: object, outdir: Path, scheme: str,
                       scale: int) -> None:
    """The helpdesk's quick check: the profile's context menu, the check it starts (a fresh result naming
    its mailbox and time), and the same result greyed out once another mailbox is typed."""
    from PySide6.QtWidgets import QMenu

    table = window.profiles_table  # type: ignore[attr-defined]
    target = info.mailboxes_in_scope[0]  # type: ignore[attr-defined]
    row = rows.index(target)
    _select_row(table, row)
    _settle(app)
    window._profiles_menu(table.visualRect(window.model.index(row, 0)).center())  # type: ignore[attr-defined]
    _settle(app)
    menu = window.findChild(QMenu, "profilesContextMenu")  # type: ignore[attr-defined]
    _save(menu, outdir, "profile-context-menu", scheme, scale)
    menu.close()
    view = window.test_selected_profile()  # type: ignore[attr-defined]
    view.resize(860, 700)
    _wait(app, lambda: view.report is not None and not view.running)
    _settle(app)
    _save(view, outdir, "check-view-profile", scheme, scale)
    view.mailbox.setText(info.mailboxes_in_scope[1])  # type: ignore[attr-defined]
    _settle(app)
    _save(view, outdir, "check-view-stale", scheme, scale)
    view.close()
    view.deleteLater()
    _settle(app)


def _edit_application_shots(app: object, sandbox: object, outdir: Path, scheme: str, scale: int) -> None:
    """Edit application (as opened, and with a new password whose check failed) and Remove application."""
    from ec_console import dashboard
    from ec_console.registry import Registry
    from ec_console.secrets import default_store
    from ec_console.ui.app import create_main_window

    info = sandbox.info()  # type: ignore[attr-defined]
    store = default_store()
    with Registry.for_region("us") as registry:
        for name in ("Contoso scheduling", "Old booking tool"):
            spec = dashboard.ApplicationSpec(
                name, "exchange", info.domain,
                {"ews_url": info.ews_url, "username": info.username, "ca_file": info.ca_file,
                 "scope_group": info.scope_group, "scope_group_address": info.scope_group_address,
                 "timeout": 10},
                info.mailbox_in_scope, expect_denied=info.mailbox_out_of_scope)
            dashboard.add_application(registry, spec, info.password, store=store)
        revocation = dashboard.ApplicationRevocation(registry, "Old booking tool", store=store)
        revocation.skip_verification()
        revocation.complete()
    window = create_main_window("us", keychain="Secret Service")
    window.resize(*WINDOW_SIZE)
    window.show()
    _settle(app)

    def select(name: str) -> None:
        for index in range(window.applications_list.count()):
            if window.applications_list.item(index).text().startswith(name):
                window.applications_list.setCurrentRow(index)
        _settle(app)

    select("Contoso scheduling")
    edit = window.application_actions.open_edit()
    assert edit is not None
    _settle(app)
    _save(edit, outdir, "edit-application", scheme, scale)
    edit.secret_field.setText("not the new password")
    edit.check_secret()
    _wait(app, lambda: edit.check_operation is None and edit.operation is None)
    _settle(app)
    edit.rotation_steps.ensureVisible(0, 0)
    _save(edit, outdir, "edit-application-rotate-failed", scheme, scale)
    edit.reject()
    _settle(app)

    select("Old booking tool")
    remove = window.application_actions.open_remove()
    assert remove is not None
    remove.export_field.setText("/home/admin/Old-booking-tool-history.json")
    remove.confirm_name.setText("Old booking")
    _settle(app)
    _save(remove, outdir, "remove-application", scheme, scale)
    remove.reject()
    _settle(app)

    # Another desktop: the registry knows the application, this keychain lacks its password.
    from ec_console.secrets import secret_key
    from ec_console.ui.check_view import CheckView

    store.delete(secret_key("us", "Contoso scheduling", "password"))
    view = CheckView("us")
    view.resize(860, 560)
    view.show()
    wanted = next(a.id for a in view.applications if a.name == "Contoso scheduling")
    view.source.setCurrentIndex(view.source.findData(wanted))
    view.run()
    _wait(app, lambda: not view.running and view.task is None)
    _settle(app)
    _save(view, outdir, "check-view-missing-credential", scheme, scale)
    view.close()
    view.deleteLater()
    # The same found by Read now in a profile's details, which offer Import credential… too.
    with Registry.for_region("us") as registry:
        registry.add_profile(registry.find_application("Contoso scheduling").id, info.mailbox_in_scope)
    window.results_arrived(now=True)
    select("Contoso scheduling")
    _wait(app, lambda: window.model.rowCount() == 1)
    pane = window.details_pane
    window.show_profile_details(window.model.index(0, 0))
    _wait(app, lambda: pane.details is not None)
    pane.read_busy_now()
    _wait(app, lambda: pane.import_button.isVisible())
    _settle(app)
    _save(window, outdir, "main-details-missing-credential", scheme, scale)
    pane.hide()
    select("Contoso scheduling")
    imported = window.application_actions.open_import()
    assert imported is not None
    imported.field.setText("not the password")
    imported.check()
    _wait(app, lambda: imported.check_operation is None and imported.operation is None)
    _settle(app)
    _save(imported, outdir, "import-credential-failed", scheme, scale)
    imported.reject()
    window.close()
    window.deleteLater()
    _settle(app)


def _reconcile_shots(app: object, sandbox: object, outdir: Path, scheme: str, scale: int) -> None:
    """The Reconcile window after a run with all four findings, a leak selected (`reconcile`), the typed
    confirmation of Revoke all leavers (`reconcile-revoke-leavers`), and a run whose scope cannot be read
    (`reconcile-cannot-tell`). The sandbox organisation's switches are put back afterwards."""
    from ec_console import dashboard
    from ec_console.registry import Registry
    from ec_console.sandbox.org import Behaviour
    from ec_console.secrets import default_store

    info = sandbox.info()  # type: ignore[attr-defined]
    org = sandbox.org  # type: ignore[attr-defined]
    saved = {a: (m.in_scope, m.extra_grant, m.behaviour) for a, m in org.mailboxes.items()}
    store = default_store()
    try:
        with Registry.for_region("us") as registry:
            spec = dashboard.ApplicationSpec(
                "Contoso scheduling", "exchange", info.domain,
                {"ews_url": info.ews_url, "username": info.username, "ca_file": info.ca_file,
                 "scope_group": info.scope_group, "scope_group_address": info.scope_group_address,
                 "timeout": 10},
                info.mailbox_in_scope, expect_denied=info.mailbox_out_of_scope)
            application = dashboard.add_application(registry, spec, info.password, store=store).application
            ordinary = [m.address for m in org.scope_members() if m.behaviour is Behaviour.NORMAL
                        and m.delegate_folders is None][:5]
            dashboard.link_profiles(registry, application, ordinary, store=store)
        org.leave_scope(ordinary[1])                                    # a leaver
        org.mailboxes[ordinary[2]].behaviour = Behaviour.FOLDER_DENIED  # a broken profile
        org.leak(next(m.address for m in org.outsiders() if m.behaviour is Behaviour.NORMAL
                      and m.address not in ordinary))                   # a leak
        window, view = _open_reconcile(app, "Contoso scheduling")
        view.scope_group.setText("no-such-group@" + info.domain)    # the scope cannot be read
        view.run()
        _wait(app, lambda: not view.running and view.rec is not None, 60)
        _settle(app)
        _save(view, outdir, "reconcile-cannot-tell", scheme, scale)
        view.scope_group.clear()
        view.run()
        _wait(app, lambda: not view.running and view.rec is not None and not view.rec.unknown, 60)
        leaks = view.sections["leak"].table
        leaks.setCurrentIndex(leaks.model().index(0, 0))
        _settle(app)
        _save(view, outdir, "reconcile", scheme, scale)
        view.revoke_all()
        _settle(app)
        confirm = view.confirm
        assert confirm is not None
        confirm.confirm_name.setText("Contoso sch")
        _settle(app)
        _save(confirm, outdir, "reconcile-revoke-leavers", scheme, scale)
        confirm.confirm_name.setText("Contoso scheduling")
        confirm.revoke_button.click()
        _wait(app, lambda: view.outcomes and not view.applying)
        view.run()                                    # the leaver revoked: the drift line says so
        _wait(app, lambda: not view.running and view.rec is not None and not view.rec.of("leaver"), 60)
        view.close()
        _settle(app)
        _save(window, outdir, "main-reconciled", scheme, scale)
        window.close()
        window.deleteLater()
        _settle(app)
    finally:
        for address, (in_scope, extra, behaviour) in saved.items():
            box = org.mailboxes[address]
            box.in_scope, box.extra_grant, box.behaviour = in_scope, extra, behaviour


def _open_reconcile(app: object, application: str) -> tuple[Any, Any]:
    """The main window with `application` (the start of its list text) selected, and its Reconcile window."""
    from ec_console.ui.app import create_main_window

    window = create_main_window("us", keychain="Secret Service")
    window.resize(*WINDOW_SIZE)
    window.show()
    for index in range(window.applications_list.count()):
        if window.applications_list.item(index).text().startswith(application):
            window.applications_list.setCurrentRow(index)
    _settle(app)
    view = window.reconcile_actions.open()
    assert view is not None
    return window, view


def _marketplace_reconcile_shot(app: object, sandbox: object, outdir: Path, scheme: str, scale: int) -> None:
    """The Reconcile window of a Google Marketplace app installed for /Engineering, reconciled against the
    narrower /Engineering/Platform: the install's accounts outside it are leaks with the Marketplace fix, and
    what the console cannot read of the install is said (`reconcile-marketplace`)."""
    from ec_console.registry import Registry
    from ec_console.sandbox.google.org import ADMIN
    from ec_console.secrets import default_store, secret_key

    google = sandbox.google.info()  # type: ignore[attr-defined]
    with Registry.for_region("us") as registry:
        registry.add_application("Workspace Marketplace", "google", google.domain, {
            "admin": ADMIN, "api_root": google.api_root, "ca_file": google.ca_file, "timeout": 10,
            "install": "marketplace", "org_unit": "/Engineering"})
    default_store().set(secret_key("us", "Workspace Marketplace", "key"), Path(google.key_file).read_text())
    window, view = _open_reconcile(app, "Workspace Marketplace")
    view.scope_group.setText("/Engineering/Platform")
    view.run()
    _wait(app, lambda: not view.running and view.rec is not None, 60)
    leaks = view.sections["leak"].table
    leaks.setCurrentIndex(leaks.model().index(0, 0))
    _settle(app)
    _save(view, outdir, "reconcile-marketplace", scheme, scale)
    view.close()
    window.close()
    window.deleteLater()
    _settle(app)


if __name__ == "__main__":
    sys.exit(main())
