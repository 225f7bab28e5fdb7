"""Identity (passwords, tokens) and policies (who may see and do what)."""
