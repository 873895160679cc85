"""Motcua queue server: numbers tickets, decides who is next, keeps every event."""
