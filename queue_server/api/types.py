"""Typed pieces of requests shared by the routers: bounded text, site references, id lists.

Every body field and query parameter is declared with one of these (or a pydantic model),
so the OpenAPI document describes what is accepted and a wrong value is refused with a 422
naming the field before any work is done. The rules here are types, ranges and lengths;
what a value must mean (a procedure that exists, a counter of the site) is the services'.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import StringConstraints

# Text a client may send: bounded, and without NUL (PostgreSQL text cannot hold it, and no
# form, name or code has one). Other control characters are cleaned by the services.
NO_NUL = r"^[^\x00]*$"


def text(max_length: int, min_length: int = 0) -> type[str]:
    """A string of at most `max_length` characters without NUL."""
    return Annotated[str, StringConstraints(max_length=max_length, min_length=min_length, pattern=NO_NUL)]  # type: ignore[return-value]


# ?site= on every endpoint that takes one: a site id or code (codes are [a-z0-9_-], at most 40)
SiteParam = Annotated[str | None, Query(max_length=40, pattern=r"^[A-Za-z0-9_-]*$",
                                        description="Site id or code (default: the caller's or the hall's)")]

# ?counters=1,2,3 and ?services=4,5 on the display snapshot: comma-separated row ids
ID_LIST = r"^\s*(\d{1,10}\s*(,\s*\d{1,10}\s*)*)?,?\s*$"
IdListParam = Annotated[str | None, Query(max_length=400, pattern=ID_LIST,
                                          description="Comma-separated ids, e.g. 1,2,3")]
