"""`--self-test`, the no-display check of `make run`, and the screenshot tool."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

from ec_console.ui import display_check, selftest, tasks
from ec_console.ui.selftest import distinct_colours, run_self_test


@pytest.fixture(autouse=True)
def _join_pools():
    yield
    tasks.shutdown_pools()


def test_self_test_passes_and_writes_a_non_blank_png(qapp, tmp_path, capsys, ec_home):
    shot = tmp_path / "self-test.png"
    assert run_self_test(shot) == 0
    out = capsys.readouterr().out
    assert "self-test passed" in out
    assert "keychain: " in out
    assert f"screenshot: {shot}" in out
    assert "chart: QtCharts drew" in out           # the health history's chart library is there and draws
    image = QImage(str(shot))
    assert not image.isNull() and image.width() > 400
    assert distinct_colours(image) > 1
    assert os.environ["EC_CONSOLE_HOME"] == str(ec_home)  # the temporary home is put back
    assert not any((ec_home / "data").glob("registry-*"))  # nothing written to the caller's home


def test_self_test_reports_a_blank_window_as_failure(qapp, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(selftest, "distinct_colours", lambda _image: 1)
    assert run_self_test(tmp_path / "blank.png") == 1
    assert "blank screenshot" in capsys.readouterr().err


def test_self_test_fails_when_the_chart_cannot_be_drawn(qapp, tmp_path, capsys, monkeypatch):
    def missing():
        raise ImportError("No module named 'PySide6.QtCharts'")

    monkeypatch.setattr(selftest, "_draw_chart", missing)
    assert run_self_test(tmp_path / "shot.png") == 1
    err = capsys.readouterr().err
    assert "self-test FAILED: ImportError" in err and "QtCharts" in err and "Traceback" not in err


def test_self_test_fails_without_the_german_catalogs(qapp, tmp_path, capsys, monkeypatch):
    from ec_console import i18n
    from ec_console.ui import app as ui_app

    empty = tmp_path / "no-catalogs"
    empty.mkdir()
    # A build that lost its catalogs: neither .qm is in its folder, and the core's .mo is not where it looks.
    monkeypatch.setattr(ui_app, "translation_files",
                        lambda language: [(str(empty), f"ec_console_{language}.qm"),
                                          (str(empty), f"qtbase_{language}.qm")])
    monkeypatch.setattr(i18n, "LOCALE_DIR", empty)
    assert run_self_test(tmp_path / "shot.png") == 1
    err = capsys.readouterr().err
    assert "the German translation is incomplete" in err
    assert "ec_console_de.qm" in err and "qtbase_de.qm" in err and "ec_console.mo" in err


def test_self_test_reports_the_german_catalogs(qapp, tmp_path, capsys):
    assert run_self_test(tmp_path / "shot.png") == 0
    assert "translations: de (console and Qt .qm, core .mo) load" in capsys.readouterr().out


def test_self_test_reports_an_unwritable_screenshot(qapp, tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("not a folder")
    assert run_self_test(target / "shot.png") == 1
    err = capsys.readouterr().err
    assert "self-test FAILED" in err and "Traceback" not in err


def test_distinct_colours_tells_blank_from_drawn(qapp):
    from PySide6.QtGui import QColor

    blank = QImage(64, 64, QImage.Format.Format_RGB32)
    blank.fill(QColor("white"))
    assert distinct_colours(blank) == 1
    drawn = QImage(64, 64, QImage.Format.Format_RGB32)
    drawn.fill(QColor("white"))
    for x in range(32):
        for y in range(64):
            drawn.setPixelColor(x, y, QColor("navy"))
    assert distinct_colours(drawn) == 2


@pytest.mark.parametrize(("env", "platform", "expected"), [
    ({}, "linux", 1),
    ({"DISPLAY": ":0"}, "linux", 0),
    ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", 0),
    ({"QT_QPA_PLATFORM": "offscreen"}, "linux", 0),
    ({"DISPLAY": "  "}, "linux", 1),
    ({}, "win32", 0),
    ({}, "darwin", 0),
])
def test_display_check(env, platform, expected, capsys, monkeypatch):
    probed = []
    monkeypatch.setattr(display_check, "probe_platform_plugin",
                        lambda e: probed.append(dict(e)) or display_check.PluginProbe(True, "xcb", ""))
    assert display_check.main(env, platform) == expected
    err = capsys.readouterr().err
    if expected:
        assert "xvfb-run -a make run" in err and "ec-console --self-test" in err
    else:
        assert err == ""
    # The plugin is loaded for real only where a display is named and a real platform is wanted.
    assert bool(probed) == (platform == "linux" and expected == 0 and "QT_QPA_PLATFORM" not in env)


def test_display_check_runs_as_a_module_without_a_display():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-m", "ec_console.ui.display_check"], env=env,
                            capture_output=True, text=True, timeout=60)
    if sys.platform.startswith("linux"):
        assert result.returncode == 1
        assert "no display" in result.stderr
    else:
        assert result.returncode == 0
    assert result.stdout == ""


# What `ldd` prints for Qt's xcb plugin on a Debian machine without libxcb-icccm4 and libxcb-keysyms1.
_LDD_MISSING = """	linux-vdso.so.1 (0x00007ffc5d1f2000)
	libQt6XcbQpa.so.6 => /venv/PySide6/Qt/plugins/platforms/../../lib/libQt6XcbQpa.so.6 (0x00007f0)
	libxcb-icccm.so.4 => not found
	libxcb-keysyms.so.1 => not found
	libxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f3)
	libxcb-icccm.so.4 => not found
"""


def test_ldd_output_names_each_missing_library_once():
    assert display_check.missing_from_ldd(_LDD_MISSING) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert display_check.missing_from_ldd("\tlibc.so.6 => /lib/libc.so.6 (0x1)\n") == []


def test_missing_libraries_become_one_debian_install_line(tmp_path, monkeypatch):
    # A stand-in `ldd` on PATH prints what the real one prints for a plugin with two libraries missing.
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "ldd").write_text("#!/bin/sh\ncat <<'EOF'\n" + _LDD_MISSING + "EOF\n")
    (fake / "ldd").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"")
    # libxcb-cursor is loaded by the plugin at run time: absent from the linker cache, it is missing too.
    libraries = display_check.missing_libraries([plugin], linker_cache="libc.so.6 (libc6) => /lib/libc.so.6")
    assert libraries == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-cursor.so.0"]
    message = display_check.plugin_failure_message(libraries, "")
    # Debian's package names for these sonames (packages.debian.org, bookworm).
    assert "    sudo apt-get install libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0\n" in message
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1, libxcb-cursor.so.0" in message


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb plugin is Linux's")
def test_a_plugin_that_cannot_load_is_reported_not_crashed(tmp_path):
    # A display that does not exist: Qt's xcb plugin really fails to start, and the check says why
    # (the missing libraries when some are, otherwise what Qt said) instead of Qt's abort.
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(DISPLAY=":4077", QT_QPA_PLATFORM="xcb", XAUTHORITY=str(tmp_path / "none"))
    result = subprocess.run([sys.executable, "-m", "ec_console.ui.display_check"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "platform plugin did not load" in result.stderr
    assert ("sudo apt-get install " in result.stderr) or ("What Qt said:" in result.stderr
                                                           and "xcb" in result.stderr)
    assert "Traceback" not in result.stderr


# One test per theme (together: every window in every theme), so that test processes share them out.
@pytest.mark.parametrize("scheme", ["light", "dark", "high_contrast"])
def test_screenshots_render_every_window_in_every_theme(qapp, tmp_path, ec_home, compiled_catalogs, scheme):
    from ec_console.ui import screenshots, theme

    try:
        assert screenshots._render_all(tmp_path, 1, (scheme,)) == 0
    finally:
        theme.apply_theme(qapp, "light")
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    windows = ("main", "main-empty", "about", "exception", "wizard-platform", "wizard-connection-onprem",
               "wizard-connection-online", "wizard-connection-google", "wizard-scope", "wizard-test",
               "wizard-test-failed", "wizard-summary", "check-view", "main-details", "main-details-narrow",
               "revoke-profiles",
               "link-profiles", "check-all", "check-all-running", "check-all-paused", "revoke-application",
               "audit-log", "audit-log-chain-broken", "edit-application", "edit-application-rotate-failed",
               "remove-application", "check-view-missing-credential", "main-details-missing-credential",
               "import-credential-failed",
               "import-credential-certificate",
               "profile-context-menu", "check-view-profile", "check-view-stale", "check-view-failed",
               "link-discover-google", "check-view-google", "wizard-connection-graph",
               "wizard-connection-graph-certificate",
               "wizard-scope-graph", "wizard-test-graph", "wizard-summary-graph", "wizard-move-graph",
               "main-graph", "check-view-graph", "reconcile", "reconcile-revoke-leavers",
               "reconcile-cannot-tell", "reconcile-marketplace", "main-reconciled", "health-history",
               "health-history-long", "main-connection-lost", "main-connection-lost-not-revoked",
               "main-reconnecting", "main-connection-restored", "region-selector",
               "main-helpdesk", "main-helpdesk-tooltip", "main-de", "main-empty-de")
    assert names == sorted(f"{window}-{scheme}@1x.png" for window in windows)
    for path in tmp_path.glob("*.png"):
        assert distinct_colours(QImage(str(path))) > 1, path.name
    assert os.environ["EC_CONSOLE_HOME"] == str(ec_home)


def _keychain_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("keychain: "))


def test_the_keychain_is_asked_in_a_process_of_its_own_with_the_same_answer(
        qapp, tmp_path, capsys, ec_home, monkeypatch):
    from ec_console.keychain import keychain_status

    spawned = []
    real_popen = selftest.subprocess.Popen

    def popen(argv, **kwargs):
        spawned.append(argv)
        return real_popen(argv, **kwargs)

    monkeypatch.setattr(selftest.subprocess, "Popen", popen)
    assert run_self_test(tmp_path / "shot.png") == 0
    line = _keychain_line(capsys.readouterr().out)
    assert len(spawned) == 1 and spawned[0][0] == sys.executable
    assert line == f"keychain: {keychain_status()}"
    assert line != "keychain: unavailable: the keychain did not answer"


@pytest.mark.parametrize("how", ["frozen", "child fails", "child says nothing"])
def test_without_a_keychain_process_the_answer_is_asked_here(qapp, tmp_path, capsys, ec_home, monkeypatch,
                                                             how):
    from ec_console.keychain import keychain_status

    if how == "frozen":  # a frozen build has no interpreter to start
        monkeypatch.setattr(sys, "frozen", True, raising=False)
        monkeypatch.setattr(selftest.subprocess, "Popen", lambda *a, **k: pytest.fail("no process expected"))
    elif how == "child fails":
        monkeypatch.setattr(selftest, "_KEYCHAIN_CHILD", "import sys; sys.exit(3)")
    else:
        monkeypatch.setattr(selftest, "_KEYCHAIN_CHILD", "print('not json')")
    assert run_self_test(tmp_path / "shot.png") == 0
    assert _keychain_line(capsys.readouterr().out) == f"keychain: {keychain_status()}"


def test_screenshots_in_german_name_every_window_with_de(qapp, tmp_path, monkeypatch, compiled_catalogs):
    """`--language de` reaches each scale's child process, whose windows are built in German and saved as
    `<window>-de-<theme>@<scale>x.png`; the default run passes no language (its names: the test above)."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QLabel

    from ec_console.ui import screenshots

    commands: list[list[str]] = []
    monkeypatch.setattr(screenshots.subprocess, "call", lambda command, env: commands.append(command) or 0)
    assert screenshots.main([str(tmp_path), "--language", "de", "--theme", "dark"]) == 0
    assert [c[c.index("--scale") + 1:] for c in commands] == [
        ["1", "--theme", "dark", "--language", "de"], ["2", "--theme", "dark", "--language", "de"]]
    commands.clear()
    assert screenshots.main([str(tmp_path), "--theme", "dark"]) == 0
    assert len(commands) == 2 and not any("--language" in c for c in commands)

    def render(outdir, scale, themes, *, german):
        label = QLabel(QCoreApplication.translate("SetupWizard", "Add connection"))
        screenshots._save(label, outdir, "wizard-platform", themes[0], scale)
        assert german and label.text() == "Verbindung hinzufügen"
        return 0

    monkeypatch.setattr(screenshots, "_render_windows", render)
    assert screenshots._render_all(tmp_path, 1, ("light",), "de") == 0
    assert [p.name for p in tmp_path.glob("*.png")] == ["wizard-platform-de-light@1x.png"]
    assert QCoreApplication.translate("SetupWizard", "Add connection") == "Add connection"  # restored
