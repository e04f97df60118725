"""Colour is never the only signal: every status icon has its own shape (told apart by the icons' alpha
masks, with colour ignored), and the views say the status in words beside it."""

from __future__ import annotations

from itertools import combinations

import pytest
from PySide6.QtCore import Qt

from ec_console.registry import Registry
from ec_console.ui import icons, tasks, theme
from ec_console.ui.app import create_main_window
from ec_console.ui.profiles_model import COL_EMAIL, COL_LAST_RESULT, COL_STATUS
from ec_console.ui.step_list import StepRow, StepSpec

SIZE = 24
# One status per meaning: fine, needs attention, withdrawn, failed, not run, waiting.
DISTINCT = ("linked", "needs_relink", "revoked", "fail", "skip", "pending")


def mask(status: str, size: int = SIZE) -> frozenset[tuple[int, int]]:
    """The pixels the status icon covers (alpha above half), colour ignored."""
    image = icons.status_icon(status).pixmap(size, size).toImage()
    return frozenset((x, y) for x in range(image.width()) for y in range(image.height())
                     if image.pixelColor(x, y).alpha() > 127)


def icon_mask(icon) -> frozenset[tuple[int, int]]:
    image = icon.pixmap(SIZE, SIZE).toImage()
    return frozenset((x, y) for x in range(image.width()) for y in range(image.height())
                     if image.pixelColor(x, y).alpha() > 127)


@pytest.fixture
def schemes(qapp):
    def apply(scheme):
        theme.apply_theme(qapp, scheme)

    yield apply
    theme.apply_theme(qapp, "light")


@pytest.mark.parametrize("scheme", ["light", "dark", "high_contrast"])
def test_each_status_has_a_shape_of_its_own(schemes, scheme):
    schemes(scheme)
    masks = {status: mask(status) for status in DISTINCT}
    assert all(len(m) >= 12 for m in masks.values()), {s: len(m) for s, m in masks.items()}
    for a, b in combinations(DISTINCT, 2):
        differing = len(masks[a] ^ masks[b])
        # Whole areas differ (a circle and a square: the corners), not a pixel or two of anti-aliasing.
        assert differing >= max(20, 0.12 * len(masks[a] | masks[b])), (a, b, differing)


def test_a_shape_does_not_depend_on_the_theme_and_statuses_that_mean_the_same_share_it(schemes):
    schemes("light")
    light = {status: mask(status) for status in (*DISTINCT, "pass", "warn", "active")}
    schemes("high_contrast")
    assert {status: mask(status) for status in light} == light
    assert light["pass"] == light["linked"] == light["active"]
    assert light["warn"] == light["needs_relink"]


def test_the_same_shape_in_different_colours_per_theme(schemes):
    schemes("light")
    light = icons.status_icon("fail").pixmap(SIZE, SIZE).toImage().pixelColor(SIZE // 2, SIZE // 2)
    schemes("dark")
    dark = icons.status_icon("fail").pixmap(SIZE, SIZE).toImage().pixelColor(SIZE // 2, SIZE // 2)
    assert light.alpha() > 127 and dark.alpha() > 127 and light.name() != dark.name()


@pytest.fixture
def window(qtbot, monkeypatch):
    monkeypatch.setenv("EC_CONSOLE_CREDENTIAL_STORE", "memory")
    with Registry.for_region("us") as registry:
        rooms = registry.add_application("Room booking", "exchange", "contoso.com")
        registry.add_profile(rooms.id, "alice@contoso.com", "Alice Archer", "linked")
        registry.add_profile(rooms.id, "bob@contoso.com", "Bob Baker", "needs_relink")
        registry.add_profile(rooms.id, "carol@contoso.com", "Carol Clark", "revoked")
        broken = registry.add_application("Scheduler", "exchange", "fabrikam.example")
        registry.update_application(broken.id, health="impersonation_denied")
    made = create_main_window("us", keychain="Test keychain")
    qtbot.addWidget(made)
    made.show()
    yield made
    made.close()
    tasks.shutdown_pools()


def test_the_profiles_table_says_each_status_in_words_beside_its_shape(qtbot, window):
    model = window.model
    qtbot.waitUntil(lambda: model.rowCount() == 3)
    rows = {model.data(model.index(r, COL_EMAIL)): r for r in range(model.rowCount())}
    seen = {}
    for email, word, status in (("alice@contoso.com", "Linked", "linked"),
                                ("bob@contoso.com", "Needs relink", "needs_relink"),
                                ("carol@contoso.com", "Revoked", "revoked")):
        index = model.index(rows[email], COL_STATUS)
        assert model.data(index, Qt.ItemDataRole.DisplayRole) == word
        seen[status] = icon_mask(model.data(index, Qt.ItemDataRole.DecorationRole))
        assert seen[status] == mask(status)
    assert len(set(seen.values())) == 3


def test_an_application_with_a_problem_says_so_in_words_not_only_in_red(qtbot, window):
    items = {window.applications_list.item(i).text().split("\n")[0]: window.applications_list.item(i)
             for i in range(window.applications_list.count())}
    assert "Scheduler (needs attention)" in items
    assert "Room booking" in items                                     # a healthy one says nothing extra
    assert icon_mask(items["Scheduler (needs attention)"].icon()) == mask("fail")
    assert icon_mask(items["Room booking"].icon()) == mask("active")


def test_a_checked_profile_shows_its_result_in_words_and_shape(qtbot, window):
    with Registry.for_region("us") as registry:
        rooms = registry.find_application("Room booking").id
        registry.record_profile_check(registry.find_profile(rooms, "alice@contoso.com").id, result="pass")
        registry.record_profile_check(registry.find_profile(rooms, "bob@contoso.com").id, result="fail",
                                      diagnosis="impersonation_denied")
    window.refresh()
    model = window.model

    def result(email):
        qtbot.waitUntil(lambda: model.rowCount() == 3)
        row = next(r for r in range(model.rowCount()) if model.data(model.index(r, COL_EMAIL)) == email)
        index = model.index(row, COL_LAST_RESULT)
        return model.data(index, Qt.ItemDataRole.DisplayRole), \
            icon_mask(model.data(index, Qt.ItemDataRole.DecorationRole))

    qtbot.waitUntil(lambda: result("alice@contoso.com")[0] == "Passed")
    assert result("alice@contoso.com")[1] == mask("pass")
    text, shape = result("bob@contoso.com")
    assert text.startswith("Failed") and shape == mask("fail") != mask("pass")


def test_a_check_step_that_waits_or_was_skipped_is_not_told_apart_by_colour_alone(qtbot):
    spec = StepSpec("tls", "TLS", ())
    waiting, skipped = StepRow(spec), StepRow(spec)
    qtbot.addWidget(waiting)
    qtbot.addWidget(skipped)
    skipped._show_status("skip")
    assert waiting.state.text() == "Waiting" and skipped.state.text() == "Skipped"
    waiting_mask = icon_mask(icons.QIcon(waiting.icon.pixmap()))
    skipped_mask = icon_mask(icons.QIcon(skipped.icon.pixmap()))
    assert waiting_mask != skipped_mask
