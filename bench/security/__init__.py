"""The security benchmark (run.py)."""
