"""Builders for LINE message JSON (text, quick replies, Flex); features compose their cards from these."""
from __future__ import annotations

from typing import Any

Message = dict[str, Any]

TEXT_LIMIT = 5000
LABEL_LIMIT = 20
ALT_TEXT_LIMIT = 400
QUICK_REPLY_LIMIT = 13

# Colours of the cards, kept together so the bot looks the same everywhere.
GREEN = "#06C755"
RED = "#E5484D"
GREY = "#8C8C8C"
DARK = "#1F2937"
ACCENT = "#0B6E4F"


def label(text: str) -> str:
    """Cut a button label to LINE's 20 characters."""
    return text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1] + "…"


def message_action(text: str, label_text: str | None = None) -> dict[str, Any]:
    """Return an action that sends a text as if the user typed it."""
    return {"type": "message", "label": label(label_text or text), "text": text}


def postback_action(label_text: str, data: str, display_text: str | None = None) -> dict[str, Any]:
    """Return a postback action; display_text shows in the chat as the user's tap."""
    action: dict[str, Any] = {"type": "postback", "label": label(label_text), "data": data}
    if display_text:
        action["displayText"] = display_text[:300]
    return action


def uri_action(label_text: str, uri: str) -> dict[str, Any]:
    """Return an action that opens a link."""
    return {"type": "uri", "label": label(label_text), "uri": uri}


def quick_reply(actions: list[dict[str, Any]]) -> dict[str, Any]:
    """Return a quickReply object of at most 13 buttons."""
    return {"items": [{"type": "action", "action": a} for a in actions[:QUICK_REPLY_LIMIT]]}


def text(body: str, quick: list[dict[str, Any]] | None = None) -> Message:
    """Return a text message, with quick-reply buttons if given."""
    message: Message = {"type": "text", "text": body[:TEXT_LIMIT]}
    if quick:
        message["quickReply"] = quick_reply(quick)
    return message


def with_quick(message: Message, quick: list[dict[str, Any]]) -> Message:
    """Return the message with quick-reply buttons attached."""
    return {**message, "quickReply": quick_reply(quick)}


def flex(alt_text: str, contents: dict[str, Any], quick: list[dict[str, Any]] | None = None) -> Message:
    """Return a Flex message; alt_text is what notifications and old clients show."""
    message: Message = {"type": "flex", "altText": alt_text[:ALT_TEXT_LIMIT], "contents": contents}
    if quick:
        message["quickReply"] = quick_reply(quick)
    return message


def carousel(bubbles: list[dict[str, Any]]) -> dict[str, Any]:
    """Return a carousel of at most 12 bubbles."""
    return {"type": "carousel", "contents": bubbles[:12]}


def t(body: str, *, size: str = "sm", weight: str = "regular", color: str | None = None,
      wrap: bool = True, flex_: int | None = None, align: str | None = None) -> dict[str, Any]:
    """Return a Flex text component."""
    component: dict[str, Any] = {"type": "text", "text": body or "-", "size": size, "wrap": wrap}
    if weight != "regular":
        component["weight"] = weight
    if color:
        component["color"] = color
    if flex_ is not None:
        component["flex"] = flex_
    if align:
        component["align"] = align
    return component


def row(name: str, value: str) -> dict[str, Any]:
    """Return a baseline row: a grey label on the left, the value on the right."""
    return {
        "type": "box",
        "layout": "baseline",
        "spacing": "sm",
        "contents": [t(name, color=GREY, flex_=2, size="xs"), t(value, flex_=5, size="sm")],
    }


def box(contents: list[dict[str, Any]], *, layout: str = "vertical", spacing: str = "sm", margin: str | None = None) -> dict[str, Any]:
    """Return a Flex box."""
    component: dict[str, Any] = {"type": "box", "layout": layout, "spacing": spacing, "contents": contents}
    if margin:
        component["margin"] = margin
    return component


def separator() -> dict[str, Any]:
    """Return a Flex separator."""
    return {"type": "separator", "margin": "md"}


def button(action: dict[str, Any], *, style: str = "primary", color: str | None = None) -> dict[str, Any]:
    """Return a Flex button."""
    component: dict[str, Any] = {"type": "button", "action": action, "style": style, "height": "sm"}
    if color:
        component["color"] = color
    elif style == "primary":
        component["color"] = GREEN
    return component


def bubble(title: str, rows: list[dict[str, Any]], buttons: list[dict[str, Any]] | None = None,
           *, subtitle: str | None = None, header_color: str = ACCENT) -> dict[str, Any]:
    """Return a bubble: a coloured header, a body of rows, buttons in the footer."""
    header = [t(title, size="md", weight="bold", color="#FFFFFF")]
    if subtitle:
        header.append(t(subtitle, size="xs", color="#E6F4EA"))
    result: dict[str, Any] = {
        "type": "bubble",
        "header": {"type": "box", "layout": "vertical", "contents": header, "backgroundColor": header_color},
        "body": box(rows or [t("-")], spacing="sm"),
    }
    if buttons:
        result["footer"] = box(buttons, spacing="sm")
    return result


def clip(value: str, limit: int) -> str:
    """Cut a long text for a card, marking the cut."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def text_card(body: str, actions: list[dict[str, Any]]) -> Message:
    """Return a text that carries the buttons it names, as a card.

    Quick replies show under the newest message only: when several reminders arrive together,
    a plain text saying "แตะ สมัคร" would have lost its button. A card keeps its buttons.
    """
    first_line = body.split("\n", 1)[0]
    card = {"type": "bubble", "body": box([t(body, size="sm")], spacing="sm"),
            "footer": box([button(a, style="primary" if i == 0 else "secondary") for i, a in enumerate(actions)],
                          spacing="sm")}
    return flex(clip(first_line, 300), card)
