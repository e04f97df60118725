"""The connectivity check window with a saved Microsoft 365 (Graph) application, against the Graph sandbox:
the Graph steps are planned and run live, the write probe is offered, and no secret reaches an export; the
edit dialog of a certificate application rotates its passphrase."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from ec_console import dashboard
from ec_console.registry import Registry
from ec_console.sandbox.graph import GraphSandbox
from ec_console.ui.check_view import CheckView
from ec_console.ui.tasks import shutdown_pools

TIMEOUT = 20_000


@pytest.fixture(scope="module")
def sandbox():
    with GraphSandbox() as box:
        yield box


@pytest.fixture(autouse=True)
def join_workers():
    yield
    shutdown_pools()


@pytest.fixture
def graph_app(sandbox):
    info = sandbox.info()
    spec = dashboard.ApplicationSpec(
        "M365", "graph", info.tenant_domain,
        {"tenant_id": info.tenant_id, "client_id": info.client_id, "authority": info.authority,
         "graph_url": info.graph_url, "ca_file": info.ca_file, "scope_group": info.scope_group_address},
        info.mailbox_in_scope)
    with Registry.for_region("us") as registry:
        outcome = dashboard.add_application(registry, spec, info.client_secret)
    assert outcome.application is not None, outcome.report.to_dict()
    return outcome.application


def test_a_graph_application_is_checked_live_with_its_write_probe(qtbot, sandbox, graph_app, tmp_path):
    info = sandbox.info()
    window = CheckView("us")
    qtbot.addWidget(window)
    window.show()
    assert window.selected_application().id == graph_app.id
    assert window.mailbox.text() == info.mailbox_in_scope
    qtbot.keyClicks(window.denied, info.mailbox_out_of_scope)
    box = window.write_probe
    assert box.isEnabled()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert box.isChecked()
    qtbot.mouseClick(window.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.running and window.task is None, timeout=TIMEOUT)
    assert window.report is not None and window.report.result.value == "pass", window.report.to_dict()
    statuses = window.steps.statuses()
    assert statuses["authenticate"] == "pass" and statuses["read_calendar"] == "pass"
    assert statuses["write_probe"] == "pass" and statuses["restriction"] == "pass"
    for fmt in ("json", "html"):
        data = window.export(tmp_path / f"report.{fmt}", fmt).read_text()
        assert info.client_secret not in data and "PRIVATE-" not in data


def test_the_edit_dialog_of_a_certificate_application_rotates_its_passphrase(qtbot):
    from ec_console.ui import operations as ops
    from ec_console.ui.edit_application import EditApplicationDialog

    with Registry.for_region("us") as registry:
        app = registry.add_application("M365 cert", "graph", "contoso.com", {
            "tenant_id": "contoso.onmicrosoft.com", "client_id": "3c9d2a41-6f0e-4b7a-8d25-1e0f4a6b7c01",
            "certificate": "/srv/ec/app.pfx"})
    dialog = EditApplicationDialog(app, ops.Scope("us"))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.kind == "certificate_password" and dialog.what == "certificate passphrase"


def test_details_entered_for_graph_are_checked_without_a_saved_application(qtbot, sandbox):
    """The window's "Enter details…" choice with the Microsoft Graph platform: tenant, client, secret and
    the sandbox's own authority and Graph root typed in, the Graph steps run, nothing is saved."""
    from ec_console.ui.check_view import AD_HOC
    from ec_console.wizard import Platform

    info = sandbox.info()
    window = CheckView("us")
    qtbot.addWidget(window)
    window.show()
    window.source.setCurrentIndex(window.source.findData(AD_HOC))
    window.platform.setCurrentIndex(window.platform.findData(Platform.GRAPH.value))
    assert window.current_provider() == "graph"
    form = window.adhoc_form
    form.set_text("credential", "secret")
    for key, value in {"tenant_id": info.tenant_id, "client_id": info.client_id,
                       "client_secret": info.client_secret, "authority": info.authority,
                       "graph_url": info.graph_url, "ca_file": info.ca_file}.items():
        form.set_text(key, value)
    qtbot.keyClicks(window.mailbox, info.mailbox_in_scope)
    assert window.problems() == []
    qtbot.mouseClick(window.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.running and window.task is None, timeout=TIMEOUT)
    assert window.report is not None and window.report.provider == "graph", window.report
    assert window.report.result.value == "pass", window.report.to_dict()
    assert window.steps.statuses()["read_calendar"] == "pass"
    with Registry.for_region("us") as registry:
        assert registry.list_applications() == []
