"""Fuzz the HTTP API with schemathesis (`make fuzz`, or `make fuzz ENGINE=postgres`).

Seeds the demo hall plus an admin, a clerk, tickets and a received dossier (so the small ids
the generator tries first name real rows), starts a real `motcua serve`, and lets
schemathesis send every operation of the published OpenAPI document thousands of generated
requests (bad numbers, odd text, missing fields, sequences of calls), in three passes:

- as staff (an admin's bearer token): every operation, the dossier ones included;
- as the kiosk (its device token): ticket issue, ratings and print failures, which a kiosk
  sends and staff rarely do;
- as the hall agent (its device token): the counter actions its keypads drive.

It fails when any answer is a 5xx: bad input must always get a problem document naming
what is wrong. The server's log is kept in artifacts/fuzz/ for the tracebacks.

Not part of `make test`: generated inputs differ run to run, so a new finding would fail an
unrelated change (`make test` has its own short, fixed-seed pass: tests/api/test_fuzz_openapi.py).
Run it after touching the API; schemathesis lives in its own venv (.venv-fuzz), outside the
project's dependencies.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "artifacts" / "fuzz"
SCHEMATHESIS = ROOT / ".venv-fuzz" / "bin" / "schemathesis"


def main(engine: str = "sqlite", examples: int = 60) -> int:
    sys.path.insert(0, str(ROOT))
    from queue_server.config import load_settings
    from queue_server.demo import seed_demo
    from queue_server.services import admin
    from queue_server.services.context import SYSTEM, Context
    from queue_server.store import migrate
    from tests.conftest import PASSWORD, ServerProcess, fresh_postgres_database

    data = Path(tempfile.mkdtemp(prefix="motcua-fuzz-"))
    drop = None
    url = f"sqlite:///{data / 'motcua.db'}"
    if engine == "postgres":
        url, drop = fresh_postgres_database()
    ctx = Context.create(load_settings(env={}, data_dir=str(data), database_url=url))
    migrate.upgrade(ctx.db.engine)
    demo = seed_demo(ctx)
    admin.create_user(ctx, SYSTEM, username="fuzz-admin", password=PASSWORD, role="admin")
    clerk = admin.create_user(ctx, SYSTEM, username="fuzz-clerk", password=PASSWORD, role="clerk",
                              site_id=demo["site_id"])
    _seed_rows(ctx, demo, clerk["id"])
    ctx.db.dispose()
    server = ServerProcess(data, database_url=url).start()
    rc = 0
    try:
        token = httpx.post(server.url + "/api/v1/auth/login",
                           json={"username": "fuzz-admin", "password": PASSWORD}).json()["token"]
        devices = demo["devices"]
        passes = []  # the devices first: the staff pass may revoke a device (DELETE /admin/devices/{id})
        if "kiosk" in devices:
            passes.append(("kiosk", devices["kiosk"]["token"],
                           ["--include-path-regex", "^/api/v1/(tickets$|ratings|kiosk/)"]))
        if "agent" in devices:
            passes.append(("agent", devices["agent"]["token"], ["--include-path-regex", "^/api/v1/counters"]))
        passes.append(("staff", token, []))
        OUT.mkdir(parents=True, exist_ok=True)
        for name, bearer, only in passes:
            print(f"== {engine}: schemathesis as {name} {' '.join(only)}", flush=True)
            report = OUT / f"junit-{engine}-{name}.xml"
            # logging out would end the token every later request uses
            subprocess.call([str(SCHEMATHESIS), "run", f"{server.url}/openapi.json",
                             "-H", f"Authorization: Bearer {bearer}", "-c", "not_a_server_error",
                             "--max-examples", str(examples), "--workers", "2",
                             "--exclude-path", "/api/v1/auth/logout", "--report", "junit",
                             "--report-junit-path", str(report), *only], cwd=data)
            failures, errors = _junit_counts(report)
            # a failure is an answer of ours (a 5xx); an error is schemathesis' own crash while
            # generating (its coverage phase sometimes trips over itself with two workers)
            print(f"{engine} as {name}: {failures} operations answered 5xx; {errors} schemathesis errors", flush=True)
            rc |= 1 if failures else 0
    finally:
        server.stop()
        if drop is not None:
            drop()
    OUT.mkdir(parents=True, exist_ok=True)
    log_path = OUT / f"server-{engine}.log"
    shutil.copyfile(server.log, log_path)
    tracebacks = log_path.read_text(encoding="utf-8", errors="replace").count("Traceback")
    print(f"{engine}: {'5xx answers found' if rc else 'no 5xx answer'}; {tracebacks} tracebacks in {log_path.relative_to(ROOT)}")
    return rc or (1 if tracebacks else 0)

def _junit_counts(report: Path) -> tuple[int, int]:
    """(test cases with a failure, test cases with an error) in a schemathesis JUnit report."""
    import xml.etree.ElementTree as ET

    if not report.exists():
        return 1, 0  # schemathesis did not get to write it: count the run as failed
    cases = ET.parse(report).getroot().iter("testcase")
    failures = errors = 0
    for case in cases:
        failures += case.find("failure") is not None
        errors += case.find("error") is not None
    return failures, errors


def _seed_rows(ctx, demo: dict, clerk_id: int) -> None:  # noqa: ANN001
    """Tickets and a dossier with small ids, so generated ids often name a real row."""
    from queue_server.services import admin
    from queue_server.services.context import Actor
    from queue_server.services.dossiers import reception
    from queue_server.services.queue import tickets
    from tests.dossiers.helpers import payload

    site = demo["site_id"]
    kiosk = Actor(kind="device", id=demo["devices"]["kiosk"]["id"], role="kiosk", site_id=site, name="kiosk")
    clerk = Actor(kind="user", id=clerk_id, role="clerk", site_id=site, name="fuzz-clerk")
    for service in admin.list_services(ctx, site)[:3]:
        tickets.issue_ticket(ctx, kiosk, service["id"])
    reception.receive_dossier(ctx, clerk, payload())


if __name__ == "__main__":
    sys.exit(main(*(sys.argv[1:2] or ["sqlite"]), *[int(a) for a in sys.argv[2:3]]))
