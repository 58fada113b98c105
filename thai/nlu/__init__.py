"""Intent parsing; the module moved to thai/nlu/words.py on its way to being split (next commit)."""

from thai.nlu.words import (  # noqa: F401
    MAX_CHARS,
    Intent,
    ParsedIntent,
    __all__,
    _fuzzy_lookup,
    _lexicon,
    _split_glued,
    normalize_text,
    parse_intent,
    warm_up,
)
