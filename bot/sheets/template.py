"""Empty staff and course sheets to download: the accepted headers (required ones starred) and an example."""
from __future__ import annotations

import csv
import io

from bot.sheets.preview import Kind, columns_of

EXAMPLES: dict[str, dict[str, str]] = {
    "staff": {"employee_id": "E001", "title": "นางสาว", "first_name": "พิมพ์ชนก", "last_name": "ใจงาม",
              "position": "นักทรัพยากรบุคคลปฏิบัติการ", "staff_type": "พนักงานส่วนตำบล", "unit": "สำนักปลัด",
              "supervisor_id": "", "roles": "บุคลากร; งานบุคคล", "active": "ใช่"},
    "courses": {"code": "C-2570-01", "title": "การจัดซื้อจัดจ้างภาครัฐด้วยระบบ e-GP", "kind": "ฝึกอบรม",
                "organizer": "กรมบัญชีกลาง", "venue": "ห้องประชุม อบต.", "start_date": "14 ธ.ค. 2569",
                "end_date": "16 ธ.ค. 2569", "registration_deadline": "1 ธ.ค. 2569", "seats": "20",
                "fee": "3,500", "policy_area": "การพัฒนาทรัพยากรบุคคล",
                "target_staff_types": "พนักงานส่วนตำบล; พนักงานจ้างตามภารกิจ", "approval_levels": "2",
                "budget": "70,000", "start_time": "09:00", "description": ""},
}


def _header(kind: Kind) -> list[str]:
    return [c.label + (" *" if c.required else "") for c in columns_of(kind)]


def _example(kind: Kind) -> list[str]:
    return [EXAMPLES[kind].get(c.key, "") for c in columns_of(kind)]


def template_csv(kind: Kind) -> bytes:
    """Return the template as CSV, UTF-8 with a BOM so Excel shows Thai."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_header(kind))
    writer.writerow(_example(kind))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(kind: Kind) -> bytes:
    """Return the template as an Excel workbook, every cell text (ids keep their leading zeros)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "บุคลากร" if kind == "staff" else "หลักสูตร"
    sheet.append(_header(kind))
    sheet.append(_example(kind))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column in sheet.columns:
        for cell in column:
            cell.number_format = "@"
        sheet.column_dimensions[column[0].column_letter].width = max(14, len(str(column[0].value)) + 6)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
