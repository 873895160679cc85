"""The supervisor's live monitor: its snapshot (services/monitor/snapshot.py), the day's
figures kept from the event log behind it (tally.py), its alert thresholds on the site
(thresholds.py), and the devices' heartbeats it shows (heartbeat.py). The page reads the
snapshot again after each burst of events (web/static/js/supervisor.js)."""
