"""What a clock run did, in Thai: for the operator's run-due-jobs and the simulator's เลื่อนเวลา."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The clock's jobs by id (and by the names they had before each feature registered its own).
JOB_NAMES = {
    "monthly-followup": "ติดตามรายงานประจำเดือน", "monthly_followup": "ติดตามรายงานประจำเดือน",
    "daily-reminders": "แจ้งเตือนประจำวัน", "daily_reminders": "แจ้งเตือนประจำวัน",
    "reports-deadlines": "เตือนกำหนดส่งรายงาน",
    "approvals-waiting": "เตือนคำขอที่รอการอนุมัติ",
    "courses-closing": "แจ้งหลักสูตรใกล้ปิดรับสมัคร",
    "courses-starting": "แจ้งการอบรมที่ใกล้เริ่ม",
    "courses-announce": "ประกาศหลักสูตรใหม่",
    "privacy-retention": "ลบข้อมูลที่พ้นระยะเวลาการเก็บ",
    "attendance-evaluations": "ส่งแบบประเมินหลังการอบรม",
    "executive-monthly": "สรุปภาพรวมประจำเดือนสำหรับผู้บริหาร",
}
# What a job counted, as a Thai operator reads it.
COUNT_NAMES = {
    "written": "ข้อความที่เตรียมส่ง",
    "owed_reports": "รายงานที่ค้างส่ง",
    "followup_staff": "บุคลากรที่ค้างส่งรายงาน",
    "followup_hr": "เจ้าหน้าที่งานบุคคลที่ได้รับสรุป",
    "staff_unreachable": "บุคลากรที่ติดต่อทาง LINE ไม่ได้",
    "closing": "ผู้ได้รับแจ้งหลักสูตรใกล้ปิดรับสมัคร",
    "starting": "ผู้ได้รับแจ้งการอบรมที่ใกล้เริ่ม",
    "due_soon": "รายงานที่ใกล้ครบกำหนดส่ง",
    "overdue_staff": "รายงานที่เลยกำหนดส่ง (แจ้งเจ้าของรายงาน)",
    "overdue_supervisor": "รายงานที่เลยกำหนดส่ง (แจ้งผู้บังคับบัญชา)",
    "waiting": "คำขอที่รอการอนุมัติ (เตือนผู้อนุมัติ)",
    "courses": "หลักสูตรใหม่",
    "announced": "ผู้ได้รับข่าวหลักสูตรใหม่",
    "muted": "ผู้ที่ปิดการแจ้งเตือน",
    "over_budget": "ผู้ที่ได้รับข่าวครบโควตาแล้ว",
}
DELIVERY_NAMES = {"sent": "ส่งสำเร็จ", "pending": "รอส่งใหม่", "failed": "ส่งไม่สำเร็จ", "skipped": "ข้าม"}


class T:
    """How a run is told."""

    NO_JOB = "ไม่มีงานที่ถึงกำหนด"
    JOB = "งาน{name}: {counts}"
    NOTHING_COUNTED = "ไม่มีรายการ"
    DELIVERED = "การส่งข้อความ: {counts}"
    NOTHING_SENT = "การส่งข้อความ: ไม่มีข้อความที่ต้องส่ง"


def job_name(job_id: str) -> str:
    """Return a job's Thai name (its id when it has none yet)."""
    return JOB_NAMES.get(job_id, job_id)


def _counts(counts: Any, names: Mapping[str, str]) -> str:
    if not isinstance(counts, Mapping) or not counts:
        return T.NOTHING_COUNTED
    return ", ".join(f"{names.get(str(k), str(k))} {v}" for k, v in counts.items())


def describe(result: Any) -> list[str]:
    """Return what a run did as Thai lines: job by job, then the deliveries."""
    if not isinstance(result, Mapping):
        return []
    jobs = result.get("jobs")
    if not isinstance(jobs, Mapping):
        jobs = {k: v for k, v in result.items() if k not in ("at", "delivered")}
    lines = [T.JOB.format(name=job_name(str(name)), counts=_counts(counts, COUNT_NAMES))
             for name, counts in jobs.items()] or [T.NO_JOB]
    delivered = result.get("delivered")
    if isinstance(delivered, Mapping):
        lines.append(T.DELIVERED.format(counts=_counts(delivered, DELIVERY_NAMES)) if delivered else T.NOTHING_SENT)
    return lines
