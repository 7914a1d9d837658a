"""The bytes of deleted uploads. Their records go first, and each deletion notes the key
in the same transaction; the bytes go after the commit, and a key is forgotten only once
its bytes are gone. A deletion that fails (the store was away) stays noted, and the
sweeper finishes it: no file is ever left behind without a record, and no record ever
points at missing bytes."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import FileStore

log = logging.getLogger(__name__)


async def delete_files(uow: UnitOfWorkFactory, files: FileStore, keys: Sequence[str]) -> int:
    """Delete the bytes under ``keys`` (of uploads already deleted); how many went."""
    gone = []
    for key in keys:
        try:
            await files.delete(key)
        except Exception:
            log.warning("a deleted upload's file was not deleted; the sweeper will try again", exc_info=True)
            continue
        gone.append(key)
    if gone:
        async with uow() as work:
            await work.uploads.files_deleted(gone)
            await work.commit()
    return len(gone)
