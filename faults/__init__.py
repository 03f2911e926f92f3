"""Fault-injection suite: `make test-faults` (see faults/run.py)."""
