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
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return CatalogReport(None, (Issue(str(path), "không tìm thấy tệp", "file not found"),), ())
    except UnicodeDecodeError as exc:
        return CatalogReport(None, (Issue(str(path), f"tệp không phải UTF-8 (byte {exc.start})",
                                          f"file is not UTF-8 (byte {exc.start})"),), ())
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return CatalogReport(None, (Issue(f"{path.name}:{exc.lineno}:{exc.colno}", f"JSON không hợp lệ: {exc.msg}",
                                          f"invalid JSON: {exc.msg}"),), ())
    return check_catalog(doc)


def load_catalog_file(path: Path | str = DEMO_CATALOG) -> Catalog:
    """The catalogue in `path` (default: the demo ward), or CatalogInvalid with every error."""
    report = read_catalog_file(path)
    if report.catalog is None:
        raise CatalogInvalid(report.errors, report.warnings)
    return report.catalog


__all__ = ["CATALOG_DIR", "DEMO_CATALOG", "read_catalog_file", "load_catalog_file"]
