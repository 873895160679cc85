"""When a site works on a given day, for remote numbers.

One small function so that the source can change in one place: the site's own hours set in
/admin, else the configuration's (services/site_setup.py `site_hours`), on the working days
of the holiday calendar, like the dossiers' due dates."""

from __future__ import annotations

from datetime import date, time

from queue_server.services.context import Context
from queue_server.services.dossiers.setup import dossier_settings, work_calendar
from queue_server.services.site_setup import site_hours


def site_sessions(ctx: Context, site, day: date) -> list[tuple[time, time]]:  # noqa: ANN001
    """The working sessions of `site` on `day` (local times; empty on a day off)."""
    settings = dossier_settings(ctx).for_site(site)
    return [(s.start, s.end) for s in work_calendar(settings).sessions(day, site_hours(settings, site))]
