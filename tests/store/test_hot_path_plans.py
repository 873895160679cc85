"""What a counter does now reads the ticket at the counter, not the counter's history: the
read of "the ticket called or served here" (every call-next, recall, start, finish, no-show,
and the estimate's and monitor's look at the counters) is an index seek on the unique partial
index that holds at most one row per counter, on both engines. Without it the read walked every
ticket the counter had ever called, and start and finish took 3× as long after 2,500 served
tickets per counter (docs/performance.md)."""

from __future__ import annotations

from sqlalchemy import text

from queue_server.services.queue import tickets


def _plan(ctx, stmt, params) -> str:  # noqa: ANN001
    with ctx.db.engine.connect() as conn:
        compiled = stmt.compile(conn, compile_kwargs={})
        sql = str(compiled)
        if ctx.db.is_postgres:
            conn.execute(text("SET enable_seqscan = off"))  # small tables: say which index it can use
            rows = conn.exec_driver_sql(f"EXPLAIN {sql}", {**compiled.params, **params}).all()
        else:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}",
                                        tuple({**compiled.params, **params}[k] for k in compiled.positiontup)).all()
        return "\n".join(str(r[-1]) for r in rows)


def test_the_ticket_at_a_counter_is_read_through_the_partial_index(ctx, hall) -> None:
    plan = _plan(ctx, tickets._ROW_AT_COUNTER_READ, {"counter_id": hall.c3})
    assert "uq_tickets_at_counter" in plan, plan
