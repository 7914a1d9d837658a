"""What ``dramatiq entrypoints.worker:bootstrap`` runs in each worker process."""

from __future__ import annotations

import dramatiq
from dramatiq.middleware import AsyncIO, CurrentMessage

from entrypoints.container import build_container
from entrypoints.logs import configure_logging
from entrypoints.settings import settings_or_exit
from entrypoints.worker.actors import declare_actors
from entrypoints.worker.sweeper import Sweeper, WorkerLifecycle


def bootstrap() -> dramatiq.Broker:
    settings = settings_or_exit()
    configure_logging(level=settings.log_level, json=settings.log_format == "json")
    # One composition root per worker process. Its engine and clients are created on
    # first use, which happens on the worker's event loop (one engine per loop).
    container = build_container(settings)
    broker: dramatiq.Broker = container.adapters.broker()
    broker.add_middleware(AsyncIO())
    broker.add_middleware(CurrentMessage())
    sweeper = Sweeper(
        requeue=lambda: container.requeue_stalled_replies(),
        sweep_uploads=lambda: container.sweep_unattached_uploads(),
        finish_file_deletions=lambda: container.finish_file_deletions(),
        sweep_temporary_chats=lambda: container.sweep_temporary_chatrooms(),
        sweep_exports=lambda: container.sweep_exports(),
        interval_seconds=settings.sweep_interval_seconds,
    )
    # After AsyncIO: Dramatiq runs "after" hooks last added first, so the lifecycle's
    # shutdown step runs while the event loop still does.
    broker.add_middleware(WorkerLifecycle(container, settings, sweeper))
    dramatiq.set_broker(broker)
    declare_actors(broker, container, settings)
    return broker
