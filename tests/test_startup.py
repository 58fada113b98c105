"""Start-up: operator commands load neither pythainlp's dictionaries nor the heavy libraries only some
paths need (PDF, spreadsheets, pictures, QR codes, migrations, the scheduler); nor does a web
server, which only stores the chat's events; the worker, which runs the chat, loads them at its start."""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Loaded by the code that uses them (a PDF, an XLSX, a chart or menu image, a QR code, a working-day
# count, `db upgrade`, the clock, a LINE call), never by building the app for a command.
LAZY = ("pythainlp", "rapidfuzz", "fpdf", "fontTools", "uharfbuzz", "openpyxl", "PIL", "segno", "holidays",
        "alembic", "apscheduler.schedulers", "linebot.v3.messaging", "linebot.v3.webhooks", "aiohttp")

PROBE = """
import json, sys, click
from bot import create_app
from bot.config import test_config
from pathlib import Path
import tempfile
tmp = Path(tempfile.mkdtemp())
config = test_config(f"sqlite:///{tmp / 'probe.sqlite3'}", tmp)
with click.Context(click.Command("probe")):  # as `flask --app bot COMMAND` builds it
    app = create_app(config)
from thai import nlu
lazy = json.loads(sys.argv[1])
print("cli", json.dumps({"lexicon": nlu._lexicon.cache_info().currsize,
                         "loaded": [m for m in lazy if m in sys.modules],
                         "endpoints": sorted({r.endpoint for r in app.url_map.iter_rules()})}))
create_app(config)  # a server (gunicorn, make run) builds it outside any command
print("web", json.dumps({"lexicon": nlu._lexicon.cache_info().currsize,
                         "loaded": [m for m in lazy if m in sys.modules]}))
from bot.worker import run_worker
import threading
stop, ready = threading.Event(), threading.Event()
state = app.extensions["bot"]
t = threading.Thread(target=run_worker, args=(state, 1, 1), kwargs={"signals": False, "stop_event": stop, "ready": ready})
t.start()
ready.wait(120)
print("worker", json.dumps({"lexicon": nlu._lexicon.cache_info().currsize, "dispatcher": state._dispatcher is not None,
                            "loaded": [m for m in lazy if m in sys.modules]}))
stop.set()
t.join(60)
"""

# The real command, as an operator types it; what it imported is printed as the process ends.
FLASK_HELP = """
import atexit, json, sys
lazy = json.loads(sys.argv[1])
atexit.register(lambda: print("loaded", json.dumps([m for m in lazy if m in sys.modules])))
sys.argv = ["flask", "--app", "bot", "--help"]
from flask.cli import main
main()
"""


def _lines(out: str) -> dict[str, object]:
    return {line.split(" ", 1)[0]: json.loads(line.split(" ", 1)[1])
            for line in out.splitlines() if line.split(" ", 1)[0] in ("cli", "web", "worker", "loaded")}


def test_commands_and_web_servers_start_without_the_dictionaries_and_heavy_libraries_the_worker_warms_up() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(LAZY)], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    seen = _lines(out)
    assert seen["cli"]["lexicon"] == 0
    assert seen["cli"]["loaded"] == []
    # Lazy libraries, not lazy pages: the console, its exports and the chart are all routed.
    endpoints = set(seen["cli"]["endpoints"])
    assert {"console.dashboard.hr_report", "console.attendance.qr", "console.attendance.generate_certificates",
            "console.linkcodes.bulk", "charts.executive", "webhook.callback"} <= endpoints, sorted(endpoints)
    # A web server builds it outside any command, and stores events only: nothing of the chat
    # loads, only the webhook's signature check (line-bot-sdk's webhook module), before the first call.
    assert seen["web"]["lexicon"] == 0
    assert "linebot.v3.webhooks" in seen["web"]["loaded"]
    assert set(seen["web"]["loaded"]) <= {"linebot.v3.webhooks", "aiohttp"}  # aiohttp: the SDK's own import
    # The worker runs the chat: its first event pays for neither the dictionaries nor the chat's wiring.
    assert seen["worker"]["lexicon"] == 1
    assert seen["worker"]["dispatcher"] is True
    assert "pythainlp" in seen["worker"]["loaded"] and "linebot.v3.messaging" in seen["worker"]["loaded"]


def test_flask_help_builds_the_app_without_the_heavy_libraries(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINE_")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'help.sqlite3'}", SECRET_KEY="test-secret-key",
               UPLOAD_DIR=str(tmp_path / "uploads"))
    done = subprocess.run([sys.executable, "-c", FLASK_HELP, json.dumps(LAZY)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    assert "list-admins" in done.stdout and "export-hr-report" in done.stdout  # the app's commands, listed
    assert _lines(done.stdout)["loaded"] == []


def test_the_web_process_builds_the_app_with_gunicorn() -> None:
    # gunicorn calls create_app() itself, outside any command: the probe's "web" case above.
    web = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    argv = shlex.split(web.split(":", 1)[1])
    assert argv[0] == "gunicorn" and argv[-1] == "bot:create_app()"
