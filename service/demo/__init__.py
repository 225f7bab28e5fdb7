"""Demo data for local runs, screenshots and the browser tests."""
