"""The Flask application: webhook, HR console, simulator and CLI, wired by create_app."""
from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from flask import Flask

from bot.config import Config
from bot.db import Database
from bot.line import ContentTooLarge, LineGateway
from bot.budget import Budget
from bot.sender import Policy, Sender
from bot.notify import notify_on_commit
from bot.standin import StandIn, create_blueprint
from bot.state import BotState
from handlers.kit.context import Services
from handlers.kit.postback import PostbackCodec
from thai.nlu import warm_up

log = logging.getLogger(__name__)

SIMULATOR_PREFIX = "/simulator/line"


def create_app(config: Config | None = None, *, warm: bool = False) -> Flask:
    """Build the app from a configuration (from the environment when none is given).

    warm builds the chat now (pythainlp's dictionaries, about a second). Nothing needs it at
    build time: the chat runs in the worker (bot/worker.py), which warms itself at its start, so
    web workers and operator commands start fast and small. A server (not a command) loads the
    webhook's signature check now.
    """
    # Long on purpose: the whole wiring (logging, database, LINE or the simulator, services,
    # blueprints, commands) reads top to bottom in the order it happens.
    config = config or Config.from_env()
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(SECRET_KEY=config.SECRET_KEY, TESTING=config.TESTING, MAX_CONTENT_LENGTH=16 * 1024 * 1024)
    if not config.TESTING:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        # Alembic explains every plugin it loads at INFO; operators need only its warnings.
        logging.getLogger("alembic").setLevel(logging.WARNING)

    db = Database(config.DATABASE_URL)
    secret, token, api_base, data_base = (
        config.LINE_CHANNEL_SECRET, config.LINE_CHANNEL_ACCESS_TOKEN,
        config.LINE_API_BASE_URL, config.LINE_DATA_API_BASE_URL,
    )
    standin = None
    if config.simulator_enabled:
        # The simulator plays LINE: it signs events with its own secret, and the bot's calls go
        # through line-bot-sdk to the stand-in mounted below, exactly as they would to LINE.
        # Never the real channel secret: whoever reaches the simulator must not be able to forge
        # webhooks that a real LINE channel's secret would accept.
        secret = _derived(config.SECRET_KEY, "simulator-channel-secret")
        token = _derived(config.SECRET_KEY, "simulator-access-token")
        standin = StandIn(access_token=token)
        app.register_blueprint(create_blueprint(standin), url_prefix=SIMULATOR_PREFIX)
        api_base = data_base = f"http://127.0.0.1:{config.PORT}{SIMULATOR_PREFIX}"
    gateway = None
    if token:
        gateway = LineGateway(
            access_token=token, api_base_url=api_base, data_api_base_url=data_base,
            timeout=config.LINE_TIMEOUT, retries=config.LINE_RETRIES, retry_delay=config.LINE_RETRY_DELAY,
        )
    if standin is not None and config.line_configured:
        log.warning("SIMULATOR is on: the stand-in plays LINE, real LINE webhooks are refused")
    if not config.line_configured:
        log.warning("not connected to LINE: LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN are not set%s",
                    " (the simulator stands in)" if standin else "")

    sender = reply_sender = None
    if gateway is not None:
        sender, reply_sender = _delivery(db, gateway, config)

    services = Services(codec=PostbackCodec(config.SECRET_KEY), upload_dir=config.UPLOAD_DIR)
    # Signed certificate links on the public_base_url setting; this machine when the simulator plays LINE.
    from bot.documents import links

    fallback = f"http://127.0.0.1:{config.PORT}" if standin is not None else ""
    services.document_url = links.url_builder(config.SECRET_KEY, fallback)
    if gateway is not None:
        services.fetch_content = lambda message_id, max_bytes: gateway.get_content(message_id, max_bytes=max_bytes)
    # A person's rich menu follows their link and roles; it is linked after the change commits.
    from bot.richmenu import MenuLinker

    services.on_menu_change = MenuLinker(db, gateway)
    if warm:
        warm_up()
    app.extensions["bot"] = state = BotState(
        config=config, db=db, services=services,
        channel_secret=secret, gateway=gateway, standin=standin, sender=sender, reply_sender=reply_sender,
    )
    # A web worker's first webhook call must not wait for line-bot-sdk's webhook import
    # (0.4 s): every call arriving meanwhile would queue behind its import lock.
    state.warm(webhook=not _in_cli(), chat=warm)

    from bot import cli, webhook

    app.register_blueprint(webhook.bp)
    app.register_blueprint(links.bp)
    from bot import charts

    app.register_blueprint(charts.bp)
    from bot.console import init_console  # the HR console at /admin/

    init_console(app)
    cli.register(app)
    if standin is not None:
        from bot import simulator

        app.register_blueprint(simulator.bp)
    return app


def _delivery(db: Database, gateway: LineGateway, config: Config) -> tuple[Sender, Sender]:
    # One throttle for the process's senders, shared with other processes through the database:
    # a 429 seen by any sender slows them all.
    policy = Policy(
        attempts=max(1, config.LINE_RETRIES), retry_delay=config.LINE_RETRY_DELAY, backoff_base=config.OUTBOX_BACKOFF,
        lease=timedelta(seconds=config.OUTBOX_LEASE), reply_lease=timedelta(seconds=config.OUTBOX_REPLY_LEASE),
    )
    budget = Budget(db, gateway)
    sender = Sender(db, gateway, policy, budget=budget)
    notify_on_commit(db)
    # Inbox lanes send an event's replies at once: few calls, short waits, so one slow answer
    # from LINE does not hold up the next person; what fails goes to the outbox lanes.
    quick = Sender(db, gateway, policy.with_(attempts=2, max_sleep=1.0, batch=10), sender.throttle, budget)
    return sender, quick


def _in_cli() -> bool:
    # The flask command builds the app inside its click context; gunicorn, make run and tests do not.
    import click

    return click.get_current_context(silent=True) is not None


def _derived(secret_key: str, purpose: str) -> str:
    return hashlib.sha256(f"{purpose}:{secret_key}".encode()).hexdigest()[:32]


__all__ = ["ContentTooLarge", "create_app"]
