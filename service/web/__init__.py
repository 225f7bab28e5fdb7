"""Pages for people (templates and static files)."""
