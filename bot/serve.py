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
    _print_console(state, port)
    if state.standin is not None:
        print(f"ยังไม่ได้เชื่อมต่อ LINE จริง — ลองใช้งานผ่านตัวจำลอง LINE: http://127.0.0.1:{port}/simulator", flush=True)
    if state.sender is not None:
        # One process does it all here: the Procfile's worker runs in background threads.
        from bot.worker import start_in_background

        start_in_background(state)
    app.run(host="127.0.0.1", port=port, threaded=True, use_reloader=False)


def _print_console(state: BotState, port: int) -> None:
    """Say where the HR console is and, for the demo organisation, how to sign in."""
    from pathlib import Path

    from bot.demo import demo_signin

    print(f"หน้าจัดการระบบ (HR console): http://127.0.0.1:{port}/admin/", flush=True)
    try:
        with state.db.transaction() as session:
            signin = demo_signin(session=session, instance_dir=Path(state.config.INSTANCE_DIR))
    except Exception:  # noqa: BLE001 - a hint only; the server starts regardless
        signin = None
    if signin is not None:
        print(f"  เข้าสู่ระบบตัวอย่าง: ชื่อผู้ใช้ {signin[0]}  รหัสผ่าน {signin[1]}", flush=True)
    else:
        print("  สร้างบัญชีด้วย: flask --app bot create-admin USERNAME", flush=True)


if __name__ == "__main__":
    main()
