"""The CSV/XLSX sheets HR keeps: reader.py (the generic reader and shared parts), cells.py (one
row's cells), staff.py and courses.py (one module per sheet). All rows or none."""
from __future__ import annotations

from bot.sheets.courses import COURSE_COLUMNS, import_courses_file
from bot.sheets.reader import Column, ImportSummary, Row, SheetError, Table, read_table
from bot.sheets.staff import STAFF_COLUMNS, import_staff_file

__all__ = ["COURSE_COLUMNS", "STAFF_COLUMNS", "Column", "ImportSummary", "Row", "SheetError", "Table",
           "import_courses_file", "import_staff_file", "read_table"]
