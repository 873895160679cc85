"""Use cases of the hall, one transaction each; they append an event for every change."""
