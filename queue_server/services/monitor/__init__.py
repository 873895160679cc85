"""The supervisor's live monitor: its snapshot (services/monitor/snapshot.py), its alert
thresholds on the site (thresholds.py), and the devices' heartbeats it shows (heartbeat.py).
The page applies the event stream to the snapshot (web/supervisor/)."""
