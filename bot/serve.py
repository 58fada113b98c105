"""Serve the app for `make run` (production uses gunicorn, see the Procfile)."""
from __future__ import annotations

from bot import create_app
from bot.config import Config
from bot.state import BotState


def main() -> None:
    """Start the development server on 127.0.0.1:$PORT, threaded (the bot calls its own stand-in)."""
    app = create_app(Config.from_env().for_local_run())
    state: BotState = app.extensions["bot"]
    port = state.config.PORT
    print(f"บอทพร้อมทำงานที่ http://127.0.0.1:{port}  (webhook: /callback)", flush=True)
    if state.standin is not None:
        print(f"ยังไม่ได้เชื่อมต่อ LINE จริง — ลองใช้งานผ่านตัวจำลอง LINE: http://127.0.0.1:{port}/simulator", flush=True)
    app.run(host="127.0.0.1", port=port, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
