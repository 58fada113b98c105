"""Thai language helpers: dates, numbers, names, intent parsing and fuzzy search.

This is the lowest layer of the project: nothing here imports bot/, handlers/,
models/ or scheduler/. Submodules are not imported here so that ``import thai``
stays cheap (only thai.nlu and thai.search load pythainlp).
"""

from __future__ import annotations

__all__ = ["ThaiParseError"]


class ThaiParseError(ValueError):
    """Signal input a user typed that cannot be understood.

    ``str(error)`` is a short, polite Thai sentence that can be shown to the
    user as it is (it never contains English or a stack trace).
    """

    def __init__(self, message: str, *, text: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        # Keep what the user typed for logs; it is not part of the message.
        self.text = text

    def __str__(self) -> str:
        return self.message
