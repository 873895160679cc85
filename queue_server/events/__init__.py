"""The event log (outbox) and its live stream to screens, across server processes."""
