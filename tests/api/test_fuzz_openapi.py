"""A bounded, fixed-seed fuzz pass of every operation of the published OpenAPI document,
inside `make test` (issue 10, item 5): no request a client can send answers 5xx.

A real `motcua serve` on SQLite holds a small hall (tickets, a dossier, staff and devices).
For each operation, hypothesis draws path, query and body values from the operation's own
JSON schemas (the subset FastAPI writes, turned into strategies below; now and then a value
of the wrong type instead), mixed with ids and codes that exist so requests get past
"not found" into the use cases, and sends them as one of: an admin, a supervisor, a
clerk (bearer tokens), a kiosk or an agent device, or nobody. Any 5xx fails the test with
the request and the server's traceback. The seed is fixed (derandomize), so the same change
always meets the same inputs; `make fuzz` runs the long, random schemathesis campaign.
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from queue_server.config import load_settings
from queue_server.services import admin
from queue_server.services.context import SYSTEM, Context
from queue_server.services.dossiers import reception as dossiers
from queue_server.services.queue import tickets as queue
from queue_server.store import migrate
from tests.conftest import PASSWORD, Hall, ServerProcess, build_hall
from tests.dossiers.helpers import payload

pytestmark = pytest.mark.slow

def _examples(op: dict) -> int:
    """More examples for operations with more inputs: about 300 requests in all."""
    inputs = len(op.get("parameters", []))
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    if content:
        schema = content["schema"]
        ref = schema.get("$ref") or next((s.get("$ref") for s in schema.get("anyOf", []) if "$ref" in s), None)
        inputs += len(DOC["components"]["schemas"][ref.rsplit("/", 1)[1]].get("properties", {})) if ref else 1
    return min(3 + inputs, 7)
METHODS = ("get", "post", "put", "patch", "delete")


def _openapi() -> dict:
    from queue_server.api.app import create_app

    with tempfile.TemporaryDirectory() as data:
        return create_app(load_settings(env={}, data_dir=data)).openapi()


DOC = _openapi()
OPERATIONS = [(method.upper(), path) for path, item in DOC["paths"].items() for method in item if method in METHODS]


def _resolve(node: object) -> object:
    """The schema with every `$ref` to a component replaced by the component itself."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            return _resolve(copy.deepcopy(DOC["components"]["schemas"][ref.rsplit("/", 1)[1]]))
        return {k: _resolve(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v) for v in node]
    return node


class FuzzedHall:
    """The hall the fuzzer works on, with the tokens of everyone it acts as."""

    def __init__(self, hall: Hall, server: ServerProcess, dossier: dict, tickets: list[int], spare: dict) -> None:
        self.hall, self.server, self.dossier, self.tickets, self.spare = hall, server, dossier, tickets, spare
        self.auth: dict[str, dict[str, str]] = {"anonymous": {}}
        for who, username in (("admin", "fuzz-admin"), ("supervisor", "giam"), ("clerk", "an")):
            r = httpx.post(server.url + "/api/v1/auth/login", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            self.auth[who] = {"Authorization": f"Bearer {r.json()['token']}"}
        self.auth["kiosk"] = {"Authorization": f"Bearer {hall.kiosk_token}"}
        self.auth["agent"] = {"Authorization": f"Bearer {hall.agent_token}"}

    def known(self) -> dict[str, list]:
        """Values that name existing things, by parameter name."""
        h, d = self.hall, self.dossier
        return {
            "counter_id": [h.c1, h.c2, h.c3], "ticket_id": self.tickets, "service_id": [h.a, h.b],
            "site_id": [h.site_id], "site": [str(h.site_id), "phuong-1"], "ref": [str(d["id"]), d["code"]],
            "user_id": [self.spare["user"]], "device_id": [self.spare["device"]], "step_id": [1, 2],
            "code": ["1.004222", "A001"], "lang": ["vi", "en"], "counter": [1, 3],
            "procedure": ["1.004222", "1.000894"], "key": [d["lookup_code"]],
        }


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory) -> FuzzedHall:
    data = tmp_path_factory.mktemp("fuzz")
    ctx = Context.create(load_settings(env={}, data_dir=str(data)))
    migrate.upgrade(ctx.db.engine)
    hall = build_hall(ctx)
    admin.create_user(ctx, SYSTEM, username="fuzz-admin", password=PASSWORD, role="admin")
    spare = {"user": admin.create_user(ctx, SYSTEM, username="spare", password=PASSWORD, role="clerk")["id"],
             "device": admin.create_device(ctx, SYSTEM, hall.site_id, kind="display", name="Spare")["id"]}
    tickets = [queue.issue_ticket(ctx, hall.kiosk, hall.a).ticket.id for _ in range(3)]
    dossier = dossiers.receive_dossier(ctx, hall.clerk, payload())
    # a service that takes appointments, so bookings get past "no appointments here"
    from queue_server.services import appointments
    appointments.update_settings(ctx, SYSTEM, hall.a, {"enabled": True, "weekdays": list(range(7)),
                                                       "windows": ["00:00-23:30"], "book_ahead_days": 90})
    ctx.db.dispose()
    server = ServerProcess(data).start(timeout=90)
    try:
        yield FuzzedHall(hall, server, dossier, tickets, spare)
    finally:
        server.stop()


JUNK = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                    | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=6)
NO_NUL = "^[^\\x00]*$"


def _valid(schema: dict) -> st.SearchStrategy:
    """Values that match `schema` (types, bounds, patterns, enums; objects with their required fields)."""
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([_schema(s) for s in schema[key]])
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _schema(schema["allOf"][0])
    kind = schema.get("type")
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "number":
        return st.floats(schema.get("minimum"), schema.get("maximum"), allow_nan=False, allow_infinity=False)
    if kind == "string":
        low, high = schema.get("minLength", 0), schema.get("maxLength", 200)
        if schema.get("format") == "date":
            return st.dates().map(str)
        pattern = schema.get("pattern")
        if pattern and pattern != NO_NUL:
            return st.from_regex(pattern, fullmatch=True).filter(lambda t: low <= len(t) <= high)
        alphabet = st.characters(exclude_characters="\x00", codec="utf-8")
        return st.text(alphabet, min_size=low, max_size=min(high, 60))
    if kind == "array":
        return st.lists(_schema(schema.get("items", {})), min_size=schema.get("minItems", 0),
                        max_size=min(schema.get("maxItems", 5), 5))
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries({k: _schema(v) for k, v in props.items() if k in required},
                                     optional={k: _schema(v) for k, v in props.items() if k not in required})
    return JUNK


def _schema(schema: dict) -> st.SearchStrategy:
    """Mostly a valid value; one time in four anything at all (a wrong type, a missing field)."""
    valid = _valid(schema)
    return st.one_of(valid, valid, valid, JUNK)


def from_schema(schema: dict) -> st.SearchStrategy:
    return _schema(schema)


def _value(schema: dict, name: str, known: dict[str, list]) -> st.SearchStrategy:
    generated = from_schema(_resolve(schema) or {})
    if name in known:  # two times in three something that exists: past "not found", into the use case
        return st.one_of(st.sampled_from(known[name]), st.sampled_from(known[name]), generated)
    return generated


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _request(method: str, path: str, known: dict[str, list]) -> st.SearchStrategy:
    op = DOC["paths"][path][method.lower()]
    path_params, query = {}, {}
    for p in op.get("parameters", []):
        if p["in"] == "path":
            path_params[p["name"]] = _value(p.get("schema", {}), p["name"], known)
        elif p["in"] == "query":
            strategy = _value(p.get("schema", {}), p["name"], known)
            query[p["name"]] = strategy if p.get("required") else st.one_of(strategy, strategy, st.none())
    body = st.none()
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    if content:
        body = from_schema(_resolve(content["schema"]))
        if not op["requestBody"].get("required"):
            body = st.one_of(body, body, st.none())
    who = st.sampled_from(["anonymous"] if path.endswith("/logout") else  # logging out would end a token
                          ["admin", "supervisor", "clerk", "supervisor", "clerk", "kiosk", "agent", "anonymous"])
    return st.fixed_dictionaries({"path": st.fixed_dictionaries(path_params), "query": st.fixed_dictionaries(query),
                                  "body": body, "who": who})


def _last_traceback(log: Path) -> str:
    text = log.read_text(encoding="utf-8", errors="replace")
    at = text.rfind("Traceback")
    return text[at:at + 4000] if at >= 0 else "(no traceback in the server log)"


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_generated_request_answers_5xx(fuzzed: FuzzedHall, method: str, path: str) -> None:
    strategy = _request(method, path, fuzzed.known())

    @settings(max_examples=_examples(DOC["paths"][path][method.lower()]), derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def check(req: dict) -> None:
        url = path
        for name, value in req["path"].items():
            url = url.replace("{" + name + "}", quote(_as_text(value), safe=""))
        params = {k: _as_text(v) for k, v in req["query"].items() if v is not None}
        body = req["body"]
        if path.endswith("/receipt/print") and isinstance(body, dict):  # never a printer URL of the
            # fuzzer's choosing: it would reach out of the machine (or write a file:// path)
            body = {k: v for k, v in body.items() if k != "printer_url"}
        kwargs = {"json": body} if body is not None else {}
        with httpx.stream(method, fuzzed.server.url + url, params=params, headers=fuzzed.auth[req["who"]],
                          timeout=30, **kwargs) as r:
            if not r.headers.get("content-type", "").startswith("text/event-stream"):
                r.read()
            status = r.status_code
            text = "" if r.headers.get("content-type", "").startswith("text/event-stream") else r.text[:500]
        assert status < 500, (f"{method} {url} params={params} body={body!r} as {req['who']}: {status} {text}\n"
                              + _last_traceback(fuzzed.server.log))

    check()
