"""The procedure catalogue kept on the kiosk's disk, browsable and searchable offline.

    cache = CatalogCache(Path("~/.cache/motcua-kiosk"))
    cache.load()                      # what was saved last time (may be empty)
    cache.refresh(client)             # ask the server (If-None-Match: version); True if it changed
    cache.fields, cache.procedures_in("HT"), cache.procedure("1.001193")
    cache.search("dang ky khai sinh") # diacritics-insensitive, or by code "1.001193"

The file is written atomically (temp file + rename), so a power cut never leaves half a
catalogue. Search uses `vnsearch`, the same rules the server uses.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from vnsearch import SearchIndex

FILE_NAME = "catalog.json"


class CatalogCache:
    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self.doc: dict[str, Any] = {}
        self.etag: str = ""
        self._index: SearchIndex | None = None
        self._by_code: dict[str, dict[str, Any]] = {}

    @property
    def path(self) -> Path:
        return self.directory / FILE_NAME

    @property
    def empty(self) -> bool:
        return not self.doc.get("procedures")

    @property
    def version(self) -> str:
        return str(self.doc.get("version", ""))

    # -- disk and server -------------------------------------------------------------------

    def load(self) -> bool:
        """Read the saved catalogue; False when there is none (or it is unreadable)."""
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
            self._set(saved["catalog"], saved.get("etag", ""))
            return True
        except (OSError, ValueError, KeyError, TypeError):
            return False

    def save(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".catalog-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"etag": self.etag, "catalog": self.doc}, f, ensure_ascii=False)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def refresh(self, client: Any) -> bool:
        """Fetch the catalogue if the server has a newer one; True when it changed.
        Raises the client's errors (Offline...) so the caller knows it is not current."""
        from kiosk.client import NotModified

        try:
            doc, etag = client.catalog(self.etag or None)
        except NotModified:
            return False
        self._set(doc, etag)
        self.index  # noqa: B018 - built here, on the worker thread, not on the first keystroke
        self.save()
        return True

    def set_catalog(self, doc: dict[str, Any], etag: str = "") -> None:
        self._set(doc, etag)

    def _set(self, doc: dict[str, Any], etag: str) -> None:
        self.doc = doc
        self.etag = etag
        self._by_code = {p["code"]: p for p in doc.get("procedures", [])}
        self._index = None

    # -- browsing --------------------------------------------------------------------------

    @property
    def fields(self) -> list[dict[str, Any]]:
        return list(self.doc.get("fields", []))

    def field(self, code: str) -> dict[str, Any] | None:
        return next((f for f in self.fields if f["code"] == code), None)

    def procedures_in(self, field_code: str) -> list[dict[str, Any]]:
        return [p for p in self.doc.get("procedures", []) if p.get("field") == field_code]

    def procedure(self, code: str) -> dict[str, Any] | None:
        return self._by_code.get(code)

    @property
    def index(self) -> SearchIndex:
        if self._index is None:
            names = {f["code"]: f["name"] for f in self.fields}
            items = []
            for p in self.doc.get("procedures", []):
                field_name = names.get(p.get("field"), {})
                extra = [*p.get("keywords", []), field_name.get("vi", ""), field_name.get("en", "")]
                items.append((p["code"], p["name"]["vi"], p["name"].get("en", ""), extra, p))
            self._index = SearchIndex.from_items(items)
        return self._index

    def search(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        return [hit.item for hit in self.index.search(query, limit)]
