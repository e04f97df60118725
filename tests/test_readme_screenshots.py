"""The README's screenshots: the files it shows are the ones the screenshot tool writes for it, committed,
and made small without losing the status colours."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from PIL import Image

from ec_console.ui import screenshots

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_shows_exactly_the_screenshots_the_tool_makes_for_it():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r"\]\(docs/screenshots/([^)]+\.png)\)", readme)
    assert sorted(set(shown)) == sorted(screenshots.readme_files())
    # Main window, the wizard's test page, a failed check and check all, each light and dark...
    english = [name for name in shown if "-de-" not in name]
    assert {name.rsplit("-", 1)[0] for name in english} == {"main", "wizard-test", "check-view-failed",
                                                             "check-all-running"}
    assert {name.rsplit("-", 1)[1] for name in english} == {"light@1x.png", "dark@1x.png"}
    assert len(set(english)) == 8
    # ...plus one German window (issue 16).
    assert [name for name in shown if "-de-" in name] == ["main-de-light@1x.png"]


def test_every_readme_screenshot_is_committed_and_not_ignored():
    for name in screenshots.readme_files():
        path = ROOT / "docs" / "screenshots" / name
        assert path.is_file(), name
        ignored = subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=ROOT)
        assert ignored.returncode == 1, f"{name} is ignored by .gitignore"
        with Image.open(path) as image:
            assert image.size[0] >= 800 and image.size[1] >= 600   # scale 1: a window, not a thumbnail
        assert path.stat().st_size < 200_000, name


def test_shrinking_keeps_the_few_pixels_of_a_status_colour(tmp_path):
    # A window's worth of greys with one small red and one small orange mark, as a failed row has.
    image = Image.new("RGB", (400, 300))
    for x in range(400):
        for y in range(300):
            grey = (x * 7 + y * 3) % 256
            image.putpixel((x, y), (grey, grey, grey))
    red, orange = (185, 28, 28), (180, 83, 9)
    for x in range(10, 16):
        for y in range(10, 16):
            image.putpixel((x, y), red)
            image.putpixel((x + 40, y), orange)
    name = screenshots.readme_files()[0]
    image.save(tmp_path / name)
    screenshots._shrink_readme_files(tmp_path)
    with Image.open(tmp_path / name) as shrunk:
        assert shrunk.mode == "P"
        rgb = shrunk.convert("RGB")
        for (x, y), want in (((12, 12), red), ((52, 12), orange)):
            got = rgb.getpixel((x, y))
            assert max(abs(a - b) for a, b in zip(got, want, strict=True)) <= 8, (got, want)
