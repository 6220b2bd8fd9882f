"""Read a query's rows on a second thread while this one works on the rows before.

An export spends about as long waiting for PostgreSQL to send the next rows as it
spends formatting them; reading ahead overlaps the two. The reading thread uses
this thread's own connection (Django's thread sharing, as its live-server tests do),
so it sees the same transaction and snapshot, and this thread must not run queries
of its own until the rows are consumed or the iterator is closed.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

_DONE = object()


def read_ahead(
    rows: Callable[[], Iterator[Any]],
    *,
    batch: int = 2000,
    depth: int = 3,
    using: str = DEFAULT_DB_ALIAS,
) -> Iterator[Any]:
    """Yield what ``rows()`` yields, read by a second thread up to ``depth``
    batches ahead. Closing this iterator early stops the reader and closes its
    cursor."""
    connection = connections[using]
    connection.ensure_connection()
    handoff: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def read() -> None:
        connections[using] = connection
        source = rows()
        try:
            chunk: list[Any] = []
            for row in source:
                chunk.append(row)
                if len(chunk) >= batch:
                    if not put(chunk):
                        return
                    chunk = []
            if chunk and not put(chunk):
                return
            put(_DONE)
        except BaseException as exc:  # noqa: BLE001 - raised on the consuming thread
            put(exc)
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    connection.inc_thread_sharing()
    reader = threading.Thread(target=read, daemon=True, name="read-ahead")
    reader.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield from item
    finally:
        stop.set()
        reader.join()
        connection.dec_thread_sharing()
