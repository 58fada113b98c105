"""A bare LINE echo bot, the yardstick of the webhook benchmark: Flask, line-bot-sdk's signature
check and parser, one reply through the SDK. Serve with gunicorn (sync x2):
gunicorn -w 2 'bench.echo_bot:create()' with LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN
and LINE_API_BASE_URL set.
"""
from __future__ import annotations

import os

from flask import Flask, abort, request
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import ApiClient, Configuration, MessagingApi, ReplyMessageRequest, TextMessage
from linebot.v3.webhooks import MessageEvent, PostbackEvent


def create() -> Flask:
    """Return the echo bot's app."""
    app = Flask("echo_bot")
    parser = WebhookParser(os.environ["LINE_CHANNEL_SECRET"])
    config = Configuration(access_token=os.environ["LINE_CHANNEL_ACCESS_TOKEN"], host=os.environ["LINE_API_BASE_URL"])
    api = MessagingApi(ApiClient(config))

    @app.post("/callback")
    def callback() -> str:
        body = request.get_data(as_text=True)
        try:
            events = parser.parse(body, request.headers.get("X-Line-Signature", ""))
        except InvalidSignatureError:
            abort(400)
        for event in events:
            if isinstance(event, MessageEvent | PostbackEvent) and event.reply_token:
                said = getattr(event.message, "text", None) if isinstance(event, MessageEvent) else event.postback.data
                api.reply_message(ReplyMessageRequest(reply_token=event.reply_token,
                                                      messages=[TextMessage(text=str(said)[:100])]))
        return "OK"

    return app
