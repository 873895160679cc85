"""Reading a procedure catalogue file (JSON) and checking it with the domain rules.

`read_catalog_file(path)` decodes the file and returns the domain's CatalogReport, with a
JSON syntax error reported at its line and column like any other problem. The database
import (`motcua catalog import`) builds on this: it imports only a report without errors.
"""

from __future__ import annotations

import json
from pathlib import Path

from queue_server.domain.catalog import Catalog, CatalogInvalid, CatalogReport, Issue, check_catalog

CATALOG_DIR = Path(__file__).resolve().parents[2] / "assets" / "catalog"
DEMO_CATALOG = CATALOG_DIR / "demo-ward.json"


def read_catalog_file(path: Path | str) -> CatalogReport:
    """Check the catalogue in `path`; never raises for a bad file (the report says why)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return CatalogReport(None, (Issue(str(path), "không tìm thấy tệp", "file not found"),), ())
    return read_catalog_bytes(data, path.name, where=str(path))


def read_catalog_bytes(data: bytes, name: str, *, where: str = "") -> CatalogReport:
    """Check a catalogue file's content (e.g. uploaded in /admin) as `read_catalog_file` does."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return CatalogReport(None, (Issue(where or name, f"tệp không phải UTF-8 (byte {exc.start})",
                                          f"file is not UTF-8 (byte {exc.start})"),), ())
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return CatalogReport(None, (Issue(f"{name}:{exc.lineno}:{exc.colno}", f"JSON không hợp lệ: {exc.msg}",
                                          f"invalid JSON: {exc.msg}"),), ())
    except RecursionError:
        return CatalogReport(None, (Issue(name, "JSON lồng quá sâu", "JSON nested too deeply"),), ())
    return check_catalog(doc)


def load_catalog_file(path: Path | str = DEMO_CATALOG) -> Catalog:
    """The catalogue in `path` (default: the demo ward), or CatalogInvalid with every error."""
    report = read_catalog_file(path)
    if report.catalog is None:
        raise CatalogInvalid(report.errors, report.warnings)
    return report.catalog


__all__ = ["CATALOG_DIR", "DEMO_CATALOG", "read_catalog_file", "read_catalog_bytes", "load_catalog_file"]
