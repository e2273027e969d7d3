"""Helpers for the apps' tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction

# Writers that wait for each other's row locks. SQLite's test database is in memory with a shared
# cache, where a second writer fails at once ("table is locked") instead of waiting as it does on
# the file database, so these tests run on PostgreSQL.
needs_waiting_writers = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's test database is in memory with a shared cache, where a second writer fails at once "
           "('table is locked') instead of waiting as on the file database")


class _RollBack(Exception):
    pass


def concurrent_writes(write: Callable[[int, int], Any], *, threads: int = 4, rounds: int = 5,
                      rollback_round: int = 2) -> list:
    """Call `write(i, j)` for each round j in each of `threads` threads i, each call in its own
    transaction on the thread's own connection (committing for real: the test needs
    `django_db(transaction=True)`); the transaction of round `rollback_round` is rolled back after
    its call. Returns what the committed calls returned; raises the first error a thread met."""
    committed, errors = [], []
    lock = threading.Lock()

    def worker(i: int) -> None:
        try:
            for j in range(rounds):
                try:
                    with transaction.atomic():
                        value = write(i, j)
                        if j == rollback_round:
                            raise _RollBack
                except _RollBack:
                    continue
                with lock:
                    committed.append(value)
        except Exception as exc:  # noqa: BLE001 - raised below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    if errors:
        raise errors[0]
    return committed
