"""Which handler failures are the database being away rather than the event being bad.

An event whose handler fails is retried a few times and then parked for an operator. When
PostgreSQL restarts, every event in flight fails the same way for as long as it is down:
parking them would turn a restart into manual work. Those failures are recognised here, so
that the consumer keeps the event waiting, without counting the attempt, until the database
answers again."""
from __future__ import annotations

# SQLSTATE class 08: connection exception; 57P01-03: admin shutdown, crash shutdown, cannot
# connect now (the server is starting or stopping).
_UNREACHABLE_STATES = ("57P01", "57P02", "57P03")


def database_unreachable(error: BaseException) -> bool:
    import psycopg
    from sqlalchemy.exc import DBAPIError

    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        error = error.orig
    if not isinstance(error, psycopg.OperationalError):
        return False
    state = getattr(error, "sqlstate", None)
    # No SQLSTATE: the client could not reach the server at all (refused, reset, closed).
    return state is None or state.startswith("08") or state in _UNREACHABLE_STATES
