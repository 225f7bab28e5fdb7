"""Queries and row locks. Repositories never commit; use cases do."""
