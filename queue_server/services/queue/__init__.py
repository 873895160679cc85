"""Queue use cases: issuing and calling tickets, counters, wait estimates, the hall's live picture."""
