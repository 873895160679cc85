"""Reading the per-year holiday files (assets/holidays/vn-YYYY.json) into a WorkCalendar.

The rules live in queue_server.domain.working_days and take parsed data; this module is
the file side: it finds the files, decodes the JSON, and reports every problem with the
file it came from.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from queue_server.domain.working_days import HolidayFileError, WorkCalendar

HOLIDAYS_DIR = Path(__file__).resolve().parents[2] / "assets" / "holidays"


def read_holiday_documents(directory: Path | None = None, pattern: str = "vn-*.json") -> list[dict[str, Any]]:
    """Decoded holiday files of `directory` (default assets/holidays), sorted by name.

    Raises HolidayFileError naming each file that is not valid JSON."""
    folder = Path(directory) if directory is not None else HOLIDAYS_DIR
    docs: list[dict[str, Any]] = []
    errors: list[str] = []
    for path in sorted(folder.glob(pattern)):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            errors.append(f"{path.name}:{exc.lineno}:{exc.colno}: JSON không hợp lệ / invalid JSON: {exc.msg}")
            continue
        if not isinstance(doc, dict):
            errors.append(f"{path.name}: phải là một đối tượng JSON / must be a JSON object")
            continue
        docs.append(doc)
    if errors:
        raise HolidayFileError(errors)
    return docs


def load_work_calendar(directory: Path | None = None) -> WorkCalendar:
    """The WorkCalendar of every holiday file in `directory` (default assets/holidays)."""
    return WorkCalendar.from_documents(read_holiday_documents(directory))


__all__ = ["HOLIDAYS_DIR", "read_holiday_documents", "load_work_calendar"]
