"""Telling a database outage from a bad event."""
import psycopg
from sqlalchemy.exc import IntegrityError, OperationalError

from crmkit.failures import database_unreachable


def test_connection_failures_and_shutdowns_are_outages():
    assert database_unreachable(psycopg.OperationalError("connection failed: Connection refused"))
    assert database_unreachable(psycopg.errors.AdminShutdown("terminating connection"))
    assert database_unreachable(psycopg.errors.CannotConnectNow("the database system is starting up"))
    assert database_unreachable(OperationalError("SELECT 1", {}, psycopg.OperationalError("server closed")))


def test_errors_of_the_statement_or_the_data_are_not():
    assert not database_unreachable(psycopg.errors.DeadlockDetected("deadlock"))
    assert not database_unreachable(psycopg.errors.QueryCanceled("statement timeout"))
    assert not database_unreachable(IntegrityError("INSERT", {}, psycopg.errors.UniqueViolation("dup")))
    assert not database_unreachable(ValueError("bad payload"))
