"""Serve the project's LINE stand-in on a real port, so line-bot-sdk talks to it over HTTP."""
from __future__ import annotations

import threading

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from bot.standin import StandIn, create_blueprint

ACCESS_TOKEN = "test-access-token"


class FakeLineServer:
    """The stand-in Messaging API in a background thread; .url is LINE_API_BASE_URL."""

    def __init__(self) -> None:
        self.standin = StandIn(access_token=ACCESS_TOKEN)
        app = Flask("fake_line")
        app.register_blueprint(create_blueprint(self.standin))
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> FakeLineServer:
        """Start serving."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()
