"""`make bench`: the service against its ceilings (see run.py)."""
