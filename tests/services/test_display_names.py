"""Names shown on screens, slips and LED boards (sites, services, counters, people, devices)
are one line of plain text: control characters (an ESC is a printer command) and
text-direction overrides are refused with a 422 naming the field; markup is kept as text
(pages render it as text, see tests/e2e/test_names_as_text.py). Both engines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from queue_server.services import admin
from queue_server.services.context import SYSTEM
from queue_server.services.errors import InvalidInput
from queue_server.services.queue import counters

WEB = Path(__file__).resolve().parents[2] / "queue_server" / "web"


@pytest.mark.parametrize("bad", ["Quầy\x1b@3", "Quầy 3\nQuầy 4", "\u202eQuầy 3", "Quầy\x073", "Q" * 201])
def test_a_name_that_cannot_be_shown_as_it_is_is_refused_and_nothing_changes(ctx, hall, bad):
    attempts = [
        ("name", lambda: admin.update_counter(ctx, SYSTEM, hall.c3, name=bad)),
        ("name_vi", lambda: admin.update_service(ctx, SYSTEM, hall.a, name_vi=bad)),
        ("name", lambda: admin.update_site(ctx, SYSTEM, hall.site_id, name=bad)),
        ("full_name", lambda: admin.create_user(ctx, SYSTEM, username="moi", password="mat-khau-an-toan",
                                                role="clerk", full_name=bad, site_id=hall.site_id)),
        ("name", lambda: admin.create_device(ctx, SYSTEM, hall.site_id, kind="display", name=bad)),
    ]
    for field, attempt in attempts:
        with pytest.raises(InvalidInput) as refused:
            attempt()
        assert refused.value.extra["field"] == field
        assert refused.value.message_vi.startswith(field) and refused.value.message_en.startswith(field)
    assert counters.get_counter(ctx, hall.c3)["name"] == "Quầy 3"


def test_markup_in_a_name_is_kept_as_text(ctx, hall):
    admin.update_counter(ctx, SYSTEM, hall.c3, name="  Quầy 3 <b>Hộ tịch</b> ")
    assert counters.get_counter(ctx, hall.c3)["name"] == "Quầy 3 <b>Hộ tịch</b>"


def test_pages_never_write_html_from_data():
    """Every page builds its DOM with textContent / el(): innerHTML and friends only ever clear."""
    sinks = re.compile(r"(innerHTML|outerHTML)\s*=(?!\s*(\"\"|'')\s*;)|insertAdjacentHTML|document\.write|"
                       r"\beval\(|new Function\(")
    found = [f"{path.relative_to(WEB)}:{n}: {line.strip()}"
             for path in sorted(WEB.rglob("*")) if path.suffix in (".js", ".html") and "vendor" not in path.parts
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if sinks.search(line)]
    assert found == []
