"""Rich menus per role: definitions, the drawn image, richmenu-sync and linking after commit."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from bot import richmenu
from models.linking import create_link_code
from models.org import ROLE_APPROVER, ROLE_HR, ROLE_STAFF, Staff
from tests.support import factories as f
from tests.support.chat import Chat, texts
from thai.nlu import Intent, parse_intent

EXPECTED = {
    "อบรม": Intent.COURSES,
    "คำขอของฉัน": Intent.MY_REQUESTS,
    "รออนุมัติ": Intent.APPROVALS,
    "ส่งรายงาน": Intent.REPORT,
    "ประวัติการอบรม": Intent.HISTORY,
    "ช่วยเหลือ": Intent.HELP,
}


@pytest.mark.parametrize("role", list(richmenu.MENUS))
def test_definition_follows_line_rules_and_sends_command_words(role: str) -> None:
    menu = richmenu.definition(role, "7")
    assert menu["size"] == {"width": 2500, "height": 1686}
    assert menu["name"] == f"khonpattana:{role}:7" and len(menu["chatBarText"]) <= 14
    assert 1 <= len(menu["areas"]) <= 20
    covered = 0
    for area in menu["areas"]:
        b, action = area["bounds"], area["action"]
        assert b["x"] + b["width"] <= 2500 and b["y"] + b["height"] <= 1686
        covered += b["width"] * b["height"]
        assert action["type"] == "message" and len(action["label"]) <= 20
        # A tap and typing the same word take the same path.
        assert parse_intent(action["text"]).intent is EXPECTED[action["text"]]
    assert covered == 2500 * 1686
    sent = {a["action"]["text"] for a in menu["areas"]}
    assert ("รออนุมัติ" in sent) == (role != ROLE_STAFF)


@pytest.mark.parametrize("role", list(richmenu.MENUS))
def test_image_is_a_png_at_the_documented_size_under_one_megabyte(role: str) -> None:
    data = richmenu.draw(role)
    assert len(data) < richmenu.MAX_IMAGE_BYTES
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (2500, 1686)


def test_font_comes_from_the_sarabun_package() -> None:
    import fontpkg_sarabun

    path = richmenu.font_path("Regular")
    assert path.is_file() and str(path).startswith(str(fontpkg_sarabun.ROOT))


def test_menu_role(session) -> None:
    top, worker = f.chain(session, 1)
    plain = f.staff(session)
    boss_without_role = f.staff(session)
    f.staff(session, supervisor=boss_without_role)
    officer = f.hr(session)
    assert richmenu.menu_role(session, worker) == ROLE_STAFF
    assert richmenu.menu_role(session, plain) == ROLE_STAFF
    assert richmenu.menu_role(session, top) == ROLE_APPROVER
    assert richmenu.menu_role(session, boss_without_role) == ROLE_APPROVER
    assert richmenu.menu_role(session, officer) == ROLE_HR


def test_richmenu_sync_creates_links_and_replaces(app, bot, tx, fake_line) -> None:
    standin = fake_line.standin
    with tx() as s:
        top, mid, worker = f.chain(s, 2)
        officer = f.hr(s)
        f.staff(s)  # not linked: gets nothing
    runner = app.test_cli_runner()
    result = runner.invoke(args=["richmenu-sync"])
    assert result.exit_code == 0, result.output
    assert "ผูกกับบุคลากร 4 คน" in result.output
    names = sorted(m["name"].split(":")[1] for m in standin.rich_menus.values())
    assert names == sorted([ROLE_STAFF, ROLE_APPROVER, ROLE_HR])
    assert all(mid_ in standin.rich_menu_images for mid_ in standin.rich_menus)
    by_role = richmenu.our_menus(bot.gateway)
    assert standin.user_menus[worker.line_user_id] == by_role[ROLE_STAFF]
    assert standin.user_menus[top.line_user_id] == by_role[ROLE_APPROVER]
    assert standin.user_menus[officer.line_user_id] == by_role[ROLE_HR]
    with tx() as s:
        assert s.get(Staff, worker.id).rich_menu_id == by_role[ROLE_STAFF]
    first = set(standin.rich_menus)
    again = runner.invoke(args=["richmenu-sync"])
    assert again.exit_code == 0 and "ลบเมนูเดิม 3 ชุด" in again.output
    assert len(standin.rich_menus) == 3 and not first & set(standin.rich_menus)
    assert standin.user_menus[worker.line_user_id] in standin.rich_menus


def test_other_menus_in_the_channel_are_left_alone(app, bot, fake_line) -> None:
    other = bot.gateway.create_rich_menu({**richmenu.definition(ROLE_STAFF), "name": "campaign"}, b"\x89PNG")
    richmenu.sync(bot.db, bot.gateway)
    richmenu.sync(bot.db, bot.gateway)
    assert other in fake_line.standin.rich_menus and len(fake_line.standin.rich_menus) == 4


def test_linking_an_account_links_the_menu_after_commit(chat: Chat, app, bot, tx, fake_line) -> None:
    richmenu.sync(bot.db, bot.gateway)
    with tx() as s:
        boss = f.staff(s, roles=(ROLE_STAFF, ROLE_APPROVER))
        code, _ = create_link_code(session=s, staff=boss)
    reply = chat.say("Unewboss", code)
    assert "ผูกบัญชีเรียบร้อยแล้ว" in texts(reply)
    menus = richmenu.our_menus(bot.gateway)
    assert fake_line.standin.user_menus["Unewboss"] == menus[ROLE_APPROVER]
    with tx() as s:
        assert s.get(Staff, boss.id).rich_menu_id == menus[ROLE_APPROVER]


def test_role_change_through_the_hook_relinks(bot, tx, fake_line) -> None:
    richmenu.sync(bot.db, bot.gateway)
    with tx() as s:
        person = f.staff(s, line_user_id="Upromoted")
    richmenu.link_people(bot.db, bot.gateway, [person.id])
    menus = richmenu.our_menus(bot.gateway)
    assert fake_line.standin.user_menus["Upromoted"] == menus[ROLE_STAFF]
    with tx() as s:
        p = s.get(Staff, person.id)
        p.roles = [ROLE_STAFF, ROLE_HR]
        bot.services.on_menu_change(s, p)
        assert p.rich_menu_id is None
        # Nothing is called while the transaction is open.
        assert fake_line.standin.user_menus["Upromoted"] == menus[ROLE_STAFF]
    assert fake_line.standin.user_menus["Upromoted"] == menus[ROLE_HR]


def test_a_rolled_back_change_links_nothing(bot, tx, fake_line) -> None:
    richmenu.sync(bot.db, bot.gateway)
    with tx() as s:
        person = f.staff(s, line_user_id="Urolledback")
    with pytest.raises(RuntimeError), tx() as s:
        p = s.get(Staff, person.id)
        bot.services.on_menu_change(s, p)
        raise RuntimeError("the event failed")
    assert "Urolledback" not in fake_line.standin.user_menus


def test_failing_line_leaves_the_person_due_for_sync(bot, tx, fake_line) -> None:
    richmenu.sync(bot.db, bot.gateway)
    with tx() as s:
        person = f.staff(s, line_user_id="Uflaky")
    fake_line.standin.fail("/user/Uflaky/richmenu", 500, times=1)
    with tx() as s:
        bot.services.on_menu_change(s, s.get(Staff, person.id))
    with tx() as s:
        assert s.get(Staff, person.id).rich_menu_id is None
    linked, failed = richmenu.link_people(bot.db, bot.gateway, None)
    assert linked >= 1 and failed == 0
    with tx() as s:
        assert s.scalar(select(Staff.rich_menu_id).where(Staff.id == person.id)) is not None


def test_without_menus_in_line_linking_is_a_quiet_no_op(chat: Chat, tx, fake_line) -> None:
    with tx() as s:
        person = f.staff(s)
        code, _ = create_link_code(session=s, staff=person)
    assert "ผูกบัญชีเรียบร้อยแล้ว" in texts(chat.say("Unomenu", code))
    assert fake_line.standin.user_menus == {}


def test_sync_without_line_says_so(tmp_path, database_url) -> None:
    from bot import create_app
    from bot.config import test_config

    app = create_app(test_config(database_url, tmp_path, LINE_CHANNEL_ACCESS_TOKEN="", LINE_CHANNEL_SECRET=""))
    result = app.test_cli_runner().invoke(args=["richmenu-sync"])
    assert result.exit_code == 1 and "ยังไม่ได้เชื่อมต่อ LINE" in result.output
    app.extensions["bot"].db.dispose()


def test_a_staff_import_that_gives_someone_a_subordinate_relinks_their_menu(app, bot, tx, fake_line, tmp_path) -> None:
    with tx() as s:
        boss = f.staff(s, employee_id="B1", line_user_id="Uboss-import")
        worker = f.staff(s, employee_id="W1")
        boss_id, worker_emp = boss.id, worker.employee_id
    runner = app.test_cli_runner()
    assert runner.invoke(args=["richmenu-sync"]).exit_code == 0
    menus = richmenu.our_menus(bot.gateway)
    assert fake_line.standin.user_menus["Uboss-import"] == menus[ROLE_STAFF]
    sheet = tmp_path / "staff.csv"
    sheet.write_text("employee_id,title,first_name,last_name,supervisor_id\n"
                     f"{worker_emp},นาย,ใหม่,ทดสอบ,B1\n", encoding="utf-8")
    result = runner.invoke(args=["import-staff", str(sheet)])
    assert result.exit_code == 0, result.output
    # B1 now supervises someone: the approver menu, without running richmenu-sync again.
    assert fake_line.standin.user_menus["Uboss-import"] == menus[ROLE_APPROVER]
    with tx() as s:
        assert s.get(Staff, boss_id).rich_menu_id == menus[ROLE_APPROVER]
