"""The chat kit lets a feature bring its own button actions without touching the kit's Action enum."""
from __future__ import annotations

from enum import StrEnum
from typing import Any

import pytest

from handlers import routers
from handlers.kit.messages import text
from handlers.kit.postback import Action, PostbackCodec
from handlers.kit.router import Dispatcher, Router


class Survey(StrEnum):
    """A new feature's own actions, kept in its own package."""

    ASK = "svask"


def _answer(event: Any, ctx: Any) -> dict[str, Any]:
    return text("ok")


def test_a_feature_action_packs_unpacks_and_reaches_its_handler() -> None:
    survey = Router("survey")
    survey.postback(Survey.ASK)(_answer)
    dispatcher = Dispatcher([*routers(), survey])
    codec = PostbackCodec("secret")
    postback = codec.unpack(codec.pack(Survey.ASK, 7, "2"))
    assert postback is not None and postback.action == Survey.ASK and (postback.id, postback.arg) == (7, "2")
    assert dispatcher.merged.postbacks[postback.action].fn is _answer
    # The kit's own actions still unpack as members of Action.
    assert codec.unpack(codec.pack(Action.REPORT, 1)).action is Action.REPORT
    # Data we did not sign still unpacks to nothing.
    assert codec.unpack(codec.pack(Survey.ASK, 7)[:-2] + "xx") is None


def test_two_features_claiming_one_action_value_fail_at_start_up() -> None:
    class Clash(StrEnum):
        REPORT = Action.REPORT.value

    for other in (Survey.ASK, Clash.REPORT):
        first, second = Router("survey"), Router("other")
        first.postback(Survey.ASK)(_answer)
        second.postback(other)(_answer)
        with pytest.raises(RuntimeError):
            Dispatcher([*routers(), first, second] if other is Survey.ASK else [*routers(), second])
