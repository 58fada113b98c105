"""The LINE gateway: the one place that talks to the Messaging API, through line-bot-sdk v3 (message calls through its connection pool)."""
from __future__ import annotations

import enum
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import threading
from functools import cache

import urllib3

from handlers.kit.context import ContentTooLarge

log = logging.getLogger(__name__)

__all__ = ["ContentTooLarge", "LineGateway", "Outcome", "Result"]

_SDK_DATA_HOST = "https://api-data.line.me"


def _sdk() -> Any:
    # line-bot-sdk's Messaging API is a large import (most of an operator command's start-up):
    # it loads on the first call to LINE, not when the app is built.
    import linebot.v3.messaging as sdk

    return sdk


def warm() -> None:
    """Import the Messaging API now (a long-running process, before its first message)."""
    _sdk()


class Result(enum.Enum):
    """How one call to LINE ended."""

    SENT = "sent"
    DUPLICATE = "duplicate"  # 409: LINE already accepted this retry key
    RETRY = "retry"  # 429, 5xx or a network fault: try again later
    DROP = "drop"  # any other 4xx: trying again would fail the same way
    BAD_REPLY_TOKEN = "bad_reply_token"  # expired or used: fall back to a push


@dataclass(frozen=True)
class Outcome:
    """The result of a call, with the status code and LINE's error text (no bodies sent)."""

    result: Result
    status: int | None = None
    error: str | None = None
    # Seconds LINE asked us to wait (429 Retry-After), for the senders to slow down.
    retry_after: float | None = None
    # True when LINE may have accepted the call although we saw no answer (a timeout, a
    # connection reset, a 5xx): a reply in that state is retried with its own token, never pushed.
    unknown: bool = False

    @property
    def delivered(self) -> bool:
        """Tell whether LINE has the message."""
        return self.result in (Result.SENT, Result.DUPLICATE)


_UNBUILDABLE = Outcome(Result.DROP, None, "message the SDK cannot build")


# LINE's message object types: anything else would be refused the same way on every retry.
MESSAGE_TYPES = frozenset({"text", "textV2", "sticker", "image", "video", "audio", "location", "imagemap",
                           "template", "flex"})

# Paths of the message calls (the SDK's push_message, multicast, reply_message).
PUSH_PATH, MULTICAST_PATH, REPLY_PATH = "/v2/bot/message/push", "/v2/bot/message/multicast", "/v2/bot/message/reply"
# Connections kept open to LINE: every inbox and outbox lane keeps its own, so none
# is opened and thrown away per call (the SDK's default is 5 per CPU).
POOL_SIZE = 32


def _body(fields: dict[str, Any], messages: list[dict[str, Any]]) -> bytes | None:
    """Encode a message call's JSON body, or None when the messages are malformed.

    A row that cannot be sent would fail the same way on every retry, so it is dropped
    (logged without its content) instead of blocking the rows after it. The messages are
    already LINE's JSON: building the SDK's pydantic models, walking them back into dicts and
    validating the call cost more CPU than the HTTP call itself, so at LINE's rate that was
    the bottleneck. LINE validates every message itself (a 400 is dropped like any refusal).
    """
    if not isinstance(messages, list) or not 1 <= len(messages) <= 5 or not all(
        isinstance(m, dict) and m.get("type") in MESSAGE_TYPES for m in messages
    ):
        log.error("a message could not be built for LINE: not a list of 1-5 LINE message objects")
        return None
    return json.dumps({**fields, "messages": messages}, ensure_ascii=False, separators=(",", ":")).encode()


@cache
def _data_client_class() -> Any:
    class _DataApiClient(_sdk().ApiClient):  # type: ignore[misc]
        # The SDK pins blob calls to api-data.line.me; point them at LINE_DATA_API_BASE_URL.
        def __init__(self, configuration: Any, data_base_url: str) -> None:
            super().__init__(configuration)
            self._data_base_url = data_base_url.rstrip("/")

        def call_api(self, *args: Any, **kwargs: Any) -> Any:
            host = kwargs.get("_host")
            if host and host.rstrip("/") == _SDK_DATA_HOST:
                kwargs["_host"] = self._data_base_url
            return super().call_api(*args, **kwargs)

    return _DataApiClient


class LineGateway:
    """Reply, push, multicast, fetch content and manage rich menus, with retries."""

    def __init__(
        self,
        *,
        access_token: str,
        api_base_url: str,
        data_api_base_url: str,
        timeout: float = 10.0,
        retries: int = 3,
        retry_delay: float = 0.5,
    ) -> None:
        self._settings = (access_token, api_base_url.rstrip("/"), data_api_base_url)
        self._client: Any = None
        self._api: Any = None
        self._blob: Any = None
        self._pool: Any = None
        self._url = ""
        self._headers: dict[str, str] = {}
        self._lock = threading.Lock()
        self.timeout = timeout
        self.retries = retries
        self.retry_delay = retry_delay

    def _connect(self) -> None:
        with self._lock:
            if self._client is not None:
                return
            sdk = _sdk()
            token, host, data_host = self._settings
            config = sdk.Configuration(access_token=token, host=host)
            config.retries = False  # one HTTP attempt per call; the retry policy below is ours
            config.connection_pool_maxsize = max(config.connection_pool_maxsize or 0, POOL_SIZE)
            client = _data_client_class()(config, data_host)
            self._api, self._blob = sdk.MessagingApi(client), sdk.MessagingApiBlob(client)
            # Message calls go through the SDK's connection pool (its TLS and proxy settings) with
            # the body encoded once; the SDK's models handle everything else.
            self._pool = client.rest_client.pool_manager
            self._url = host
            self._headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                             "User-Agent": client.default_headers.get("User-Agent", "line-bot-sdk-python")}
            self._client = client

    @property
    def api(self) -> Any:
        """The SDK's MessagingApi (built on first use)."""
        if self._client is None:
            self._connect()
        return self._api

    @property
    def blob(self) -> Any:
        """The SDK's MessagingApiBlob (built on first use)."""
        if self._client is None:
            self._connect()
        return self._blob

    def close(self) -> None:
        """Release the HTTP connections."""
        if self._client is not None:
            self._client.close()

    # --- messages ---------------------------------------------------------------------------

    def reply(self, reply_token: str, messages: list[dict[str, Any]]) -> Outcome:
        """Reply with a token (single use, valid for a short time); one attempt, never a wait."""
        # A reply carries no retry key: the sender decides what an unknown outcome means.
        return self._message(REPLY_PATH, _body({"replyToken": reply_token}, messages), None, attempts=1)

    def push(self, to: str, messages: list[dict[str, Any]], retry_key: str, *, attempts: int | None = None) -> Outcome:
        """Push to one user; the retry key makes a repeated call harmless."""
        return self._message(PUSH_PATH, _body({"to": to}, messages), retry_key, attempts=attempts)

    def multicast(self, to: list[str], messages: list[dict[str, Any]], retry_key: str,
                  *, attempts: int | None = None) -> Outcome:
        """Send one identical message to up to 500 users."""
        return self._message(MULTICAST_PATH, _body({"to": list(to)}, messages), retry_key, attempts=attempts)

    def _message(self, path: str, body: bytes | None, retry_key: str | None, *, attempts: int | None) -> Outcome:
        if body is None:
            return _UNBUILDABLE
        if self._client is None:
            self._connect()
        headers = dict(self._headers)
        if retry_key is not None:
            headers["X-Line-Retry-Key"] = retry_key
        return self._call(self._url + path, body, headers, attempts=attempts)

    def quota(self, timeout: float | None = None) -> tuple[str, int | None]:
        """Return the channel's monthly message quota: ("limited", n) or ("none", None)."""
        response = self.api.get_message_quota(_request_timeout=timeout or self.timeout)
        return str(getattr(response.type, "value", response.type)), (int(response.value) if response.value is not None else None)

    def quota_consumption(self, timeout: float | None = None) -> int:
        """Return how many messages count against this month's quota so far."""
        response = self.api.get_message_quota_consumption(_request_timeout=timeout or self.timeout)
        return int(response.total_usage)

    def get_content(self, message_id: str, *, max_bytes: int) -> tuple[bytes, str]:
        """Download what a user sent (bytes, content type); refuse more than max_bytes."""
        response = self.blob.get_message_content_with_http_info(message_id, _request_timeout=self.timeout)
        data = bytes(response.data or b"")
        if len(data) > max_bytes:
            raise ContentTooLarge(len(data))
        headers = {k.lower(): v for k, v in (response.headers or {}).items()}
        return data, headers.get("content-type", "application/octet-stream")

    # --- rich menus -------------------------------------------------------------------------

    def create_rich_menu(self, menu: dict[str, Any], image_png: bytes) -> str:
        """Create a rich menu with its image; return its id."""
        created = self.api.create_rich_menu(_sdk().RichMenuRequest.from_dict(menu), _request_timeout=self.timeout)
        menu_id = str(created.rich_menu_id)
        try:
            # The SDK accepts `_content_type` here but never sends it; the header must be explicit.
            self.blob.set_rich_menu_image(
                menu_id, image_png, _headers={"Content-Type": "image/png"}, _request_timeout=self.timeout
            )
        except Exception:
            self.delete_rich_menu(menu_id)  # a menu without an image cannot be shown
            raise
        return menu_id

    def list_rich_menus(self) -> list[dict[str, Any]]:
        """Return the channel's rich menus as dicts (richMenuId, name, ...)."""
        response = self.api.get_rich_menu_list(_request_timeout=self.timeout)
        return [m.to_dict() for m in response.richmenus]

    def delete_rich_menu(self, rich_menu_id: str) -> None:
        """Delete a rich menu."""
        self.api.delete_rich_menu(rich_menu_id, _request_timeout=self.timeout)

    def link_rich_menu(self, user_id: str, rich_menu_id: str) -> None:
        """Show a rich menu to one user."""
        self.api.link_rich_menu_id_to_user(user_id, rich_menu_id, _request_timeout=self.timeout)

    # --- the retry policy -------------------------------------------------------------------

    def _call(self, url: str, body: bytes, headers: dict[str, str], attempts: int | None = None) -> Outcome:
        tries = attempts or max(1, self.retries)
        outcome = Outcome(Result.RETRY, None, "not attempted")
        unknown = False
        for attempt in range(tries):
            outcome = self._once(url, body, headers)
            unknown = unknown or outcome.unknown
            if outcome.result is not Result.RETRY:
                return outcome
            if attempt + 1 < tries:
                delay = outcome.retry_after if outcome.retry_after is not None else self.retry_delay * (2**attempt)
                time.sleep(min(delay, 30.0))
        # One unknown attempt makes the whole call unknown, even if the last was a clear 429.
        return Outcome(outcome.result, outcome.status, outcome.error, outcome.retry_after, unknown)

    def _once(self, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
        try:
            response = self._pool.urlopen("POST", url, body=body, headers=headers, retries=False, redirect=False,
                                          timeout=urllib3.Timeout(total=self.timeout))
        except urllib3.exceptions.HTTPError as exc:  # timeouts, refused connections, resets
            log.warning("LINE call failed on the network: %s", type(exc).__name__)
            return Outcome(Result.RETRY, None, type(exc).__name__, unknown=not _never_connected(exc))
        if 200 <= response.status <= 299:
            return Outcome(Result.SENT, response.status)
        return _classify(response.status, response.data, response.headers)


def _error_message(data: bytes | None) -> str:
    try:
        body = json.loads(data or b"{}")
        return str(body.get("message", ""))[:300]
    except (ValueError, AttributeError):
        return ""


def _never_connected(exc: Exception) -> bool:
    # A refused or timed-out connection never carried the request: LINE cannot have it.
    reason = getattr(exc, "reason", None) if isinstance(exc, urllib3.exceptions.MaxRetryError) else exc
    return isinstance(reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError)


def _classify(status: int, data: bytes | None, headers: Any) -> Outcome:
    message = _error_message(data)
    if status == 409:
        return Outcome(Result.DUPLICATE, status, message)
    if status == 429:
        log.warning("LINE answered 429; will retry")
        return Outcome(Result.RETRY, status, message, retry_after=_retry_after(headers))
    if status >= 500:
        # LINE may have taken the message before failing: unknown, like a timeout.
        log.warning("LINE answered %s; will retry", status)
        return Outcome(Result.RETRY, status, message, retry_after=_retry_after(headers), unknown=True)
    if status == 400 and "reply token" in message.lower():
        return Outcome(Result.BAD_REPLY_TOKEN, status, message)
    log.error("LINE refused a call with %s: %s", status, message)
    return Outcome(Result.DROP, status, message)


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
