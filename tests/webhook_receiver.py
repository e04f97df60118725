"""A loopback HTTP server that keeps the body of every POST: the other end of a monitor webhook in tests."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """`with Receiver() as hook:` serves on 127.0.0.1; `hook.url` carries a secret-looking path (a webhook
    address is a secret); `hook.bodies` holds each POST body as text; `hook.status` is what it answers."""

    SECRET_PART = "s3cr3t-path-token"

    def __init__(self, status: int = 200) -> None:
        bodies: list[str] = []
        self.bodies, self.status = bodies, status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                bodies.append(self.rfile.read(int(self.headers["Content-Length"])).decode())
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook/{self.SECRET_PART}"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
