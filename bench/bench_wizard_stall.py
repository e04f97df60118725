"""The GUI stall while the setup wizard's test runs: the longest gap between QTimer heartbeats.

Runs the wizard's test page against the sandbox (with 200 ms of latency per answer, as a real server would
add) while a 10 ms heartbeat timer ticks on the GUI thread, and prints the longest and median gaps. The check
runs on the interactive pool, so the gap should stay near the heartbeat period. Prints figures; asserts
nothing. `QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_wizard_stall.py`
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

HEARTBEAT_MS = 10
LATENCY_S = 0.2


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["EC_CONSOLE_CREDENTIAL_STORE"] = "memory"
    with tempfile.TemporaryDirectory(prefix="ec-bench-") as home:
        os.environ["EC_CONSOLE_HOME"] = home
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        from ec_console.sandbox import Sandbox
        from ec_console.ui.tasks import shutdown_pools
        from ec_console.ui.wizard import SandboxSession, SetupWizard
        from ec_console.wizard import Page, Platform

        app = QApplication.instance() or QApplication(sys.argv[:1])
        with Sandbox(google=True) as sandbox:
            sandbox.ews_server.latency = LATENCY_S
            session = SandboxSession()
            session.sandbox = sandbox
            for platform in (Platform.ONPREM, Platform.GOOGLE):
                if platform is Platform.GOOGLE:
                    sandbox.google.latency = LATENCY_S
                wizard = SetupWizard("us", sandbox=session)
                wizard.show()
                page = wizard.page_widget(Page.PLATFORM)
                page.buttons[platform].setChecked(True)
                page.sandbox_box.setChecked(True)
                for _ in range(3):
                    wizard.next()
                    app.processEvents()
                test = wizard.page_widget(Page.TEST)
                ticks: list[float] = []
                timer = QTimer()
                timer.setInterval(HEARTBEAT_MS)
                timer.timeout.connect(lambda t=ticks: t.append(time.perf_counter()))
                timer.start()
                started = time.perf_counter()
                while wizard.flow.test_report is None or test.running:
                    app.processEvents()
                    time.sleep(0.001)
                elapsed = time.perf_counter() - started
                timer.stop()
                gaps = [(b - a) * 1000 for a, b in zip(ticks, ticks[1:], strict=False)]
                print(f"{platform.value:16s} check {elapsed * 1000:7.0f} ms  heartbeat {HEARTBEAT_MS} ms  "
                      f"longest gap {max(gaps):6.1f} ms  median {statistics.median(gaps):5.1f} ms  "
                      f"({len(gaps)} gaps; result {wizard.flow.test_report.result.value})")
                from summary import report  # `make bench`'s closing table

                report(f"longest GUI stall, setup wizard's check ({platform.value})", f"{max(gaps):.0f} ms",
                       "< 100 ms", max(gaps) < 100)
                wizard.reject()
                wizard.deleteLater()
                app.processEvents()
            session.sandbox = None
        shutdown_pools()
    return 0


if __name__ == "__main__":
    sys.exit(main())
