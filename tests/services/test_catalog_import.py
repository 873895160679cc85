"""Importing a catalogue file into a site: all or nothing, every error located, idempotent,
services and counters created from the catalogue, procedures linked to their queue."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from queue_server.domain.catalog import check_catalog
from queue_server.services.catalog import CatalogImportError, get_procedure, import_catalog, site_catalog
from queue_server.services.catalog_files import DEMO_CATALOG
from queue_server.services.context import SYSTEM
from queue_server.services.errors import Forbidden
from queue_server.store.tables import CatalogField, Counter, Event, Procedure, Service

DOC = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))


def count(ctx, table, site_id: int) -> int:
    with ctx.db.reading() as session:
        return session.scalar(select(func.count()).select_from(table).where(table.site_id == site_id))


def test_the_demo_catalogue_imports_and_links_every_procedure_to_its_queue(ctx, hall):
    result = import_catalog(ctx, SYSTEM, check_catalog(DOC))
    assert (result.procedures, result.fields) == (32, 8)
    # the test hall had HT (A) and CT (B): the others come from the catalogue, with its counters
    assert result.created_services == ["DD", "KD", "XH", "TKQ", "CA"]
    assert result.created_counters == [4, 5, 6]  # 1-3 exist and are kept as they are
    with ctx.db.reading() as session:
        services = {s.code: s for s in session.scalars(select(Service).where(Service.site_id == hall.site_id))}
        assert services["CA"].prefix == "G" and services["CA"].group_vi == "Công an phường"
        birth = session.scalars(select(Procedure).where(Procedure.code == "1.001193")).one()
        assert birth.service_id == hall.a  # HT keeps the hall's own row
        residence = session.scalars(select(Procedure).where(Procedure.code == "1.004222")).one()
        assert residence.service_id == services["CA"].id
        counter6 = session.scalars(select(Counter).where(Counter.number == 6)).one()
        assert [cs.service_id for cs in counter6.services] == [services["CA"].id]
        event = session.scalars(select(Event).where(Event.kind == "catalog.imported")).one()
        assert event.data["procedures"] == 32


def test_a_file_with_errors_imports_nothing_and_names_every_location(ctx, hall):
    bad = copy.deepcopy(DOC)
    del bad["procedures"][3]["channels"][0]["processing_time"]
    bad["procedures"][7]["channels"][0]["fee"]["amount_vnd"] = "2.000"
    bad["procedures"][9]["service"] = "XX"
    with pytest.raises(CatalogImportError) as caught:
        import_catalog(ctx, SYSTEM, check_catalog(bad))
    paths = [e.path for e in caught.value.errors]
    assert "procedures[3].channels[0].processing_time" in paths
    assert "procedures[7].channels[0].fee.amount_vnd" in paths
    assert "procedures[9].service" in paths
    assert caught.value.extra["errors"][0]["vi"] and caught.value.extra["errors"][0]["en"]
    assert count(ctx, Procedure, hall.site_id) == 0
    assert count(ctx, CatalogField, hall.site_id) == 0
    assert count(ctx, Service, hall.site_id) == 2  # no service was created either


def test_a_prefix_taken_by_another_service_of_the_site_refuses_the_whole_import(ctx, hall):
    clash = copy.deepcopy(DOC)
    clash["services"][6]["prefix"] = "B"  # CA would get CT's prefix
    with pytest.raises(CatalogImportError) as caught:
        import_catalog(ctx, SYSTEM, check_catalog(clash))
    assert [e.path for e in caught.value.errors] == ["services[6].prefix"]
    assert count(ctx, Procedure, hall.site_id) == 0 and count(ctx, Service, hall.site_id) == 2


def test_reimporting_replaces_the_catalogue_and_keeps_the_version_when_nothing_changed(ctx, hall):
    first = import_catalog(ctx, SYSTEM, check_catalog(DOC))
    again = import_catalog(ctx, SYSTEM, check_catalog(DOC))
    assert again.version == first.version and not again.changed
    assert count(ctx, Procedure, hall.site_id) == 32
    smaller = copy.deepcopy(DOC)
    smaller["procedures"] = smaller["procedures"][:25]
    smaller["procedures"][0]["name"]["vi"] = "Đăng ký khai sinh (sửa)"
    third = import_catalog(ctx, SYSTEM, check_catalog(smaller))
    assert third.changed and third.version != first.version
    assert count(ctx, Procedure, hall.site_id) == 25
    assert get_procedure(ctx, _site(ctx), "1.001193")["name"]["vi"] == "Đăng ký khai sinh (sửa)"


def test_the_kiosk_view_has_everything_a_procedure_page_shows(ctx, hall):
    import_catalog(ctx, SYSTEM, check_catalog(DOC))
    view = site_catalog(ctx, _site(ctx))
    p = next(p for p in view["procedures"] if p["code"] == "2.000815")
    for key in ("name", "documents", "channels", "steps", "where", "legal_basis", "result", "service_id"):
        assert p[key], key
    fee = p["channels"][0]["fee"]
    assert fee["amount_vnd"] == 2000 and p["channels"][0]["processing_time"]["text"]["vi"]
    assert {f["code"] for f in view["fields"]} >= {"HT", "CT", "CTR"}


def test_only_admins_import(ctx, hall):
    with pytest.raises(Forbidden):
        import_catalog(ctx, hall.supervisor, check_catalog(DOC))


def _site(ctx):
    from queue_server.services import admin

    return admin.resolve_site(ctx, None)
