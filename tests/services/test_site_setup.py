"""The hall's own setup made in /admin reaches what citizens get: the site's working hours
move a dossier's due date (over the configuration), a year's holidays saved in /admin move
it too (over the shipped file), and the site's public address is what the slip's QR opens.
On both engines."""

from __future__ import annotations

import json

import pytest

from queue_server.services import admin, site_setup
from queue_server.services.admin import holidays
from queue_server.services.auth import ticket_key
from queue_server.services.catalog import CatalogImportError, import_uploaded, site_catalog
from queue_server.services.catalog_files import DEMO_CATALOG
from queue_server.services.context import SYSTEM
from queue_server.services.errors import InvalidInput
from queue_server.services.queue import tickets as queue
from tests.dossiers.helpers import due_local, receive_at

WEEKDAYS = {d: ["07:30-11:30", "13:30-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}


def test_the_sites_own_hours_move_a_due_date_over_the_configuration(ctx, hall, clock) -> None:
    # one working day from a Friday: Monday with the usual week
    assert due_local(receive_at(ctx, clock, hall.clerk, "2026-03-06 10:00", "1.000894")) == "2026-03-09 17:00 Mon"
    # /admin: this hall also works Saturday mornings
    admin.update_site(ctx, SYSTEM, hall.site_id, working_hours={**WEEKDAYS, "sat": ["07:30-11:30"]})
    assert due_local(receive_at(ctx, clock, hall.clerk, "2026-03-06 10:00", "1.000894")) == "2026-03-07 11:30 Sat"
    # the configuration says Saturdays too, but the site's own week (no Saturday) wins
    ctx.settings.extra["dossiers"] = {"working_hours": {**WEEKDAYS, "sat": ["07:30-11:30"]}}
    admin.update_site(ctx, SYSTEM, hall.site_id, working_hours={**WEEKDAYS, "fri": ["07:30-11:30"]})
    # Friday now closes at 11:30: a same-day procedure received Friday 14:00 goes to Monday
    assert due_local(receive_at(ctx, clock, hall.clerk, "2026-03-06 14:00", "2.000815")) == "2026-03-09 17:00 Mon"
    # given back to the configuration (Saturday mornings)
    admin.update_site(ctx, SYSTEM, hall.site_id, working_hours=None)
    assert due_local(receive_at(ctx, clock, hall.clerk, "2026-03-06 10:00", "1.000894")) == "2026-03-07 11:30 Sat"
    site = admin.resolve_site(ctx, hall.site_id)
    assert site_setup.site_hours(ctx, site).weekly[5]  # the seam says the same


def test_a_year_saved_in_admin_moves_due_dates_over_the_shipped_file(ctx, hall, clock) -> None:
    before = holidays.get_year(ctx, SYSTEM, 2026)
    assert before["source"] == "file"
    days_off = before["days_off"] + [{"date": "2026-03-09", "kind": "holiday", "name_vi": "Ngày nghỉ của phường",
                                      "name_en": "Ward day off"}]
    holidays.save_year(ctx, SYSTEM, 2026, status="official", days_off=days_off,
                       working_days=before["working_days"], site_id=hall.site_id)
    d = receive_at(ctx, clock, hall.clerk, "2026-03-06 10:00", "1.000894")
    assert due_local(d) == "2026-03-10 17:00 Tue"  # Monday 9/3 is now off
    # 2028 has no file: counted with the statutory days and said so, until a year is saved
    d = receive_at(ctx, clock, hall.clerk, "2027-12-30 10:00", "1.004194")
    assert 2028 in d["calendar_missing_years"]
    statutory = holidays.get_year(ctx, SYSTEM, 2028)
    assert statutory["source"] == "library" and statutory["days_off"]
    holidays.save_year(ctx, SYSTEM, 2028, status="official", days_off=statutory["days_off"], working_days=[],
                       site_id=hall.site_id)
    d = receive_at(ctx, clock, hall.clerk, "2027-12-30 10:00", "1.004194")
    assert 2028 not in d["calendar_missing_years"]
    # removed: the file counts again
    holidays.remove_year(ctx, SYSTEM, 2026, site_id=hall.site_id)
    assert due_local(receive_at(ctx, clock, hall.clerk, "2026-03-06 10:00", "1.000894")) == "2026-03-09 17:00 Mon"


def test_the_sites_public_address_is_what_the_slip_qr_opens(ctx, hall) -> None:
    ctx.settings.public_url = "http://10.0.0.2:8000"
    issued = queue.issue_ticket(ctx, hall.kiosk, hall.a)
    key = ticket_key(b"s3cret", issued.ticket.id)
    assert site_setup.ticket_position_url(ctx, issued.ticket.id, key) == f"http://10.0.0.2:8000/t/{issued.ticket.id}?k={key}"
    admin.update_site(ctx, SYSTEM, hall.site_id, public_url="https://motcua.phuong1.gov.vn/")
    issued = queue.issue_ticket(ctx, hall.kiosk, hall.a)
    assert site_setup.ticket_position_url(ctx, issued.ticket.id, "k") == \
        f"https://motcua.phuong1.gov.vn/t/{issued.ticket.id}?k=k"
    admin.update_site(ctx, SYSTEM, hall.site_id, public_url="")  # back to the configuration
    assert site_setup.ticket_position_url(ctx, issued.ticket.id, "k").startswith("http://10.0.0.2:8000/t/")


@pytest.mark.parametrize("bad", ["ftp://10.0.0.2", "10.0.0.2:8000", "http://", "http://ví-dụ.vn",
                                 "http://10.0.0.2:8000/t?x=1", "http://user@10.0.0.2", "http://10.0.0.2:99999",
                                 "http://10.0.0.2/a b", "https://x.vn/#frag"])
def test_a_public_address_that_phones_cannot_open_is_refused_naming_the_field(bad) -> None:
    with pytest.raises(InvalidInput) as refused:
        site_setup.check_public_url(bad)
    assert refused.value.message_vi.startswith("public_url: địa chỉ công khai")
    assert refused.value.extra["field"] == "public_url"


def test_an_uploaded_catalogue_with_one_bad_procedure_imports_nothing(ctx, hall) -> None:
    doc = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    del doc["procedures"][3]["channels"][0]["processing_time"]
    with pytest.raises(CatalogImportError) as refused:
        import_uploaded(ctx, SYSTEM, hall.site_id, json.dumps(doc, ensure_ascii=False).encode(), "phuong.json")
    assert any(e["path"].startswith("procedures[3].channels[0]") for e in refused.value.extra["errors"])
    site = admin.resolve_site(ctx, hall.site_id)
    assert site_catalog(ctx, site)["procedures"] == []
