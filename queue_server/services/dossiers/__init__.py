"""Dossier use cases: reception, documents and forms, public lookup, reports, per-site setup."""
