"""The chat kit every feature builds on: router.py (Router, Dispatcher), context.py (Ctx, Services),
postback.py (the Action enum and signed codec), messages.py (LINE JSON builders). Knows no feature."""
