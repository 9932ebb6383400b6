"""Make a process cooperative under eventlet, including psycopg.

psycopg 3's C wait function (`wait_c`) blocks eventlet's hub: ten concurrent 0.5 s queries
took 5.1 s on our machines. `wait_select` goes through the (monkey-patched) select module
and yields to other green threads: the same ten took 0.52 s. Call `patch()` first thing in
every nameko process (the service runner and the service tests do).
"""
from __future__ import annotations

import os


def patch() -> None:
    os.environ["PSYCOPG_WAIT_FUNC"] = "wait_select"  # read when psycopg.waiting is imported
    import eventlet

    eventlet.monkey_patch()
    use_cooperative_psycopg()


def use_cooperative_psycopg() -> None:
    """Switch an already imported psycopg to the select-based wait (it looks `wait` up on
    the module at every call)."""
    from psycopg import waiting

    waiting.wait = waiting.wait_select


def psycopg_is_cooperative() -> bool:
    from psycopg import waiting

    return waiting.wait is waiting.wait_select
