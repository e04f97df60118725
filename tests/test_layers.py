"""The core stays Qt-free: only ec_console/ui/ may import PySide6 (DESIGN.md "Layers")."""

import ast
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ec_console"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _core_files() -> list[Path]:
    """Every module outside ui/: the top-level ones and the providers and sandbox packages."""
    files = [p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] != "ui"]
    assert {"cli.py", "checks.py"} <= {p.name for p in files}
    assert any(p.parent.name == "providers" for p in files) and any(p.parent.name == "sandbox" for p in files)
    return files


def test_no_module_outside_ui_imports_qt():
    offenders = []
    for path in _core_files():
        if any(name.split(".")[0] in {"PySide6", "shiboken6", "PyQt5", "PyQt6"} for name in _imports(path)):
            offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []


def test_the_gui_does_not_import_the_command_line_layer():
    """ui/ reads what it needs from the core (e.g. the monitor's status through `monitor_status`), never
    through ec_console.commands: the command-line layer prints and parses arguments (DESIGN.md "Layers")."""
    offenders = []
    for path in (PACKAGE / "ui").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        package = list(path.relative_to(PACKAGE.parent).parent.parts)      # ["ec_console", "ui", ...]
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):           # also `from ec_console import commands`
                base = package[:len(package) - node.level + 1] if node.level else []
                module = ".".join(base + ([node.module] if node.module else []))
                names = [module] + [f"{module}.{alias.name}" for alias in node.names]
            if any(n == "ec_console.commands" or n.startswith("ec_console.commands.") for n in names):
                offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []


def test_cli_and_core_import_without_loading_qt():
    # Every module outside ui/, so a provider that imports ec_console.ui (and with it Qt) is caught too.
    core = [
        ".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        for p in _core_files() if p.stem != "__main__"
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {core!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'PySide6', 'shiboken6'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_no_platform_subpackage_imports_another_platform():
    """providers/<platform>/ and sandbox/<platform>/ share only the modules beside them (architecture.md)."""
    offenders = []
    for layer in ("providers", "sandbox"):
        folders = (PACKAGE / layer).iterdir()
        platforms = {p.name for p in folders if (p / "__init__.py").is_file()} - {"fixtures"}
        assert {"exchange", "google"} <= platforms
        for platform in platforms:
            others = {f"ec_console.{layer}.{other}" for other in platforms - {platform}}
            for path in (PACKAGE / layer / platform).rglob("*.py"):
                bad = {n for n in _imports(path) if any(n == o or n.startswith(o + ".") for o in others)}
                if bad:
                    offenders.append((str(path.relative_to(PACKAGE)), sorted(bad)))
    assert offenders == []


def test_starting_the_command_line_loads_no_protocol_client():
    """Building the whole command line (every subcommand's flags) and the GUI's entry module load none of the
    protocol clients or the sandbox: they are imported by the work that needs them (a slow cold start
    otherwise, docs/benchmarks.md)."""
    heavy = ["msal", "exchangelib", "googleapiclient", "google.auth", "msgraph", "ec_console.sandbox",
             "ec_console.providers.graph.check", "ec_console.providers.exchange.check", "psycopg"]
    code = (
        "import sys\n"
        "from ec_console import cli\n"
        "cli.build_parser()\n"
        "import ec_console.ui.app\n"
        f"print(sorted(m for m in sys.modules if any(m == h or m.startswith(h + '.') for h in {heavy!r})))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            check=True, env=env)
    assert result.stdout.strip() == "[]"


def test_an_exchange_or_graph_check_loads_no_google_http_client():
    """The Exchange probe session, check all and the Graph check load neither httplib2 nor googleapiclient
    (the Google side of the shared transport is imported on first use: 35-55 ms of CPU at every start of
    `profiles check`, docs/benchmarks.md), and the Google names are still found through the transport."""
    code = (
        "import sys\n"
        "import ec_console.checkall, ec_console.providers.exchange.probe, ec_console.providers.graph.check\n"
        "from ec_console.providers.transport import CheckTransport\n"
        "CheckTransport().session().close()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('httplib2', 'googleapiclient')))\n"
        "from ec_console.providers.transport import CappedResponse, TrustedHttp\n"
        "import httplib2\n"
        "print(issubclass(TrustedHttp, httplib2.Http), CappedResponse.limit)\n"
        "print(type(CheckTransport().http(5)).__name__)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            check=True)
    assert result.stdout.splitlines() == ["[]", "True 16777216", "TrustedHttp"]


def test_the_first_window_loads_no_protocol_client_nor_later_work():
    """The main window, built and shown as `ec-console` shows it, has loaded no protocol client, no sandbox,
    no check engine, no report writer, no subcommand's flags and none of the dialogs opened later: they are
    imported when first used, so the console starts sooner (docs/benchmarks.md, "Cold start"). The
    keychain is given: asking it is the window's background job, not part of building it."""
    heavy = ["msal", "exchangelib", "googleapiclient", "google.auth", "msgraph", "requests", "keyring",
             "cryptography", "ec_console.sandbox", "ec_console.providers.exchange.check",
             "ec_console.providers.graph.check", "ec_console.providers.google", "ec_console.checkall",
             "ec_console.dashboard", "ec_console.report_pdf", "ec_console.ui.wizard",
             "ec_console.ui.edit_application", "ec_console.ui.operations", "ec_console.commands.check",
             "ec_console.commands.profiles", "ec_console.commands.applications", "ec_console.commands.audit",
             "ec_console.commands.monitor", "ec_console.commands.registry", "psycopg"]
    code = (
        "import sys\n"
        "from ec_console import cli\n"
        "assert cli.parse_arguments([]).command is None\n"  # as `ec-console` starts its window
        "from ec_console.ui import theme\n"
        "from ec_console.ui.app import create_application, create_main_window, saved_theme\n"
        "app = create_application()\n"
        "theme.apply_theme(app, saved_theme())\n"
        "window = create_main_window(keychain='Test keychain')\n"
        "window.show()\n"
        "for _ in range(5):\n"
        "    app.processEvents()\n"
        "assert window.isVisible()\n"
        f"print(sorted(m for m in sys.modules if any(m == h or m.startswith(h + '.') for h in {heavy!r})))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "EC_CONSOLE_CREDENTIAL_STORE": "memory"}
    with tempfile.TemporaryDirectory(prefix="ec-first-window-") as home:
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                                env={**env, "EC_CONSOLE_HOME": home})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"
