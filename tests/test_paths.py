import os
import stat

import pytest

from ec_console import paths


def test_home_override_puts_everything_under_one_folder(ec_home):
    folders = [paths.config_dir(), paths.data_dir(), paths.log_dir()]
    assert [f.parent for f in folders] == [ec_home] * 3
    assert len({f.name for f in folders}) == 3


def test_without_override_platformdirs_decides(monkeypatch, tmp_path):
    monkeypatch.delenv(paths.HOME_ENV)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    assert paths.config_dir().is_relative_to(tmp_path)
    assert paths.data_dir().is_relative_to(tmp_path)
    assert "ec-console" in str(paths.config_dir())


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_folders_are_private_even_if_they_existed_open(ec_home):
    (ec_home / "data").mkdir(mode=0o755)
    os.chmod(ec_home / "data", 0o755)
    for folder in (paths.config_dir(), paths.data_dir(), paths.log_dir()):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_private_file_is_0600_and_replaced_atomically(ec_home):
    target = paths.data_dir() / "x.json"
    paths.write_private_file(target, b"one")
    paths.write_private_file(target, b"two")
    assert target.read_bytes() == b"two"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["x.json"]
