"""Agencies that process dossiers (một cửa liên thông, issue 17): registry, hand-offs, inboxes, lateness."""
