"""Operator commands: ``python -m entrypoints.cli <command>``."""
