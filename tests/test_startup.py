"""Start-up: operator commands load neither pythainlp's dictionaries nor the Messaging API client."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import sys, click
from bot import create_app
from bot.config import test_config
from pathlib import Path
import tempfile
tmp = Path(tempfile.mkdtemp())
config = test_config(f"sqlite:///{tmp / 'probe.sqlite3'}", tmp)
with click.Context(click.Command("probe")):  # as `flask --app bot COMMAND` builds it
    create_app(config)
from thai import nlu
print("cli", nlu._lexicon.cache_info().currsize, "linebot.v3.messaging" in sys.modules)
create_app(config)  # a server (gunicorn, make run) builds it outside any command
print("web", nlu._lexicon.cache_info().currsize)
"""


def test_commands_start_without_the_dictionaries_and_the_api_client_a_server_warms_up() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         check=True).stdout.split("\n")
    assert "cli 0 False" in out
    assert "web 1" in out
