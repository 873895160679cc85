"""A hall with two departments on the route of a 20-working-day procedure (land registration,
9.000004): Phòng Quản lý đô thị (QLDT, half the time), then Văn phòng UBND (VP, 30%); the
desk keeps 20%. Each department has a processor account; a third department (TNMT) is off
the route."""

from __future__ import annotations

from dataclasses import dataclass

from queue_server.services import admin
from queue_server.services.agencies import registry
from queue_server.services.context import SYSTEM, Actor, Context
from tests.conftest import PASSWORD, Hall

PROCEDURE = "9.000004"  # 20 working days


@dataclass
class Agencies:
    qldt: int
    vp: int
    tnmt: int
    p_qldt: Actor
    p_qldt2: Actor
    p_vp: Actor
    p_tnmt: Actor


def processor(ctx: Context, username: str, agency_id: int) -> Actor:
    u = admin.create_user(ctx, SYSTEM, username=username, password=PASSWORD, role="processor",
                          full_name=f"Cán bộ {username}", agency_id=agency_id)
    return Actor(kind="user", id=u["id"], role="processor", site_id=u["site_id"], name=f"Cán bộ {username}",
                 agency_id=agency_id)


def build_agencies(ctx: Context, hall: Hall) -> Agencies:
    made = {code: registry.create_agency(ctx, SYSTEM, site=hall.site_id, code=code, name_vi=name, name_en=en)["id"]
            for code, name, en in (("QLDT", "Phòng Quản lý đô thị", "Urban management"),
                                   ("VP", "Văn phòng UBND phường", "Ward office"),
                                   ("TNMT", "Phòng Tài nguyên và Môi trường", "Natural resources"))}
    registry.set_route(ctx, SYSTEM, PROCEDURE, [{"agency": "QLDT", "share": 0.5}, {"agency": "VP", "share": 0.3}],
                       site=hall.site_id)
    return Agencies(qldt=made["QLDT"], vp=made["VP"], tnmt=made["TNMT"],
                    p_qldt=processor(ctx, "qldt1", made["QLDT"]), p_qldt2=processor(ctx, "qldt2", made["QLDT"]),
                    p_vp=processor(ctx, "vp1", made["VP"]), p_tnmt=processor(ctx, "tnmt1", made["TNMT"]))
