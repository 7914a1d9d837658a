"""The Dramatiq worker: ``dramatiq entrypoints.worker:bootstrap`` (``make worker``).

Importing this package builds nothing. Dramatiq calls ``bootstrap`` in every worker
process: it reads the settings, wires the application, sets the broker and declares
the actors (``actors``); the sweeper of stalled replies and unsent uploads (``sweeper``)
runs beside them on the worker's event loop. Replies are written by an AsyncIO actor, so one process holds as
many model calls in flight as it has worker threads (``--threads``).
"""

from __future__ import annotations

from entrypoints.worker.bootstrap import bootstrap

__all__ = ["bootstrap"]
