"""resources/ is found the same way from a checkout, an editable install, a wheel and a frozen build."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ec_console import resources

ROOT = Path(__file__).resolve().parents[1]


def test_checkout_and_editable_install_find_the_top_level_folder():
    assert resources.resources_dir() == ROOT / "resources"
    assert resources.resource_path("regions.toml").is_file()


def test_frozen_build_looks_in_the_bundle(monkeypatch, tmp_path):
    (tmp_path / "resources").mkdir()
    (tmp_path / "resources" / "regions.toml").write_text("")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    resources.resources_dir.cache_clear()
    assert resources.resources_dir() == tmp_path / "resources"


def test_missing_folder_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(resources, "_candidates", lambda: [tmp_path / "nowhere"])
    resources.resources_dir.cache_clear()
    with pytest.raises(FileNotFoundError, match="Reinstall"):
        resources.resources_dir()


@pytest.mark.slow
def test_wheel_carries_resources_inside_the_package(tmp_path):
    out = tmp_path / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
         str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    wheel = next(out.glob("ec_console-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")
    assert "ec_console/resources/regions.toml" in names
    assert "ec_console/docs/cli.md" in names                   # Help › Documentation's pages
    # The translation catalogs are compiled into the wheel (hatch_build.py), not taken from the checkout.
    assert "ec_console/resources/i18n/ec_console_de.qm" in names
    assert "ec_console/locale/de/LC_MESSAGES/ec_console.mo" in names
    # Imported from the unpacked wheel (not the checkout), the helper finds the packaged copy.
    probe = (
        "import ec_console.resources as r, ec_console, ec_console.documentation as d, ec_console.i18n as t; "
        "print(ec_console.__file__); print(r.resources_dir()); print(d.docs_dir()); "
        "t.set_language('de'); print(t._('usage: ').strip().replace(' ', '_')); "
        "from PySide6.QtCore import QTranslator; q = QTranslator(); "
        "q.load('ec_console_de.qm', str(r.resources_dir() / 'i18n')); "
        "print(q.translate('MainWindow', '&File'))"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(tmp_path / 'site')!r}); {probe}"],
        check=True, capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )
    module_file, found, docs, usage, file_menu = result.stdout.split()
    assert usage == "Aufruf:"  # the packaged .mo translates the command line
    assert file_menu == "&Datei"  # the packaged .qm translates the window
    assert module_file.startswith(str(tmp_path / "site"))
    assert Path(found) == tmp_path / "site" / "ec_console" / "resources"
    assert Path(docs) == tmp_path / "site" / "ec_console" / "docs"
