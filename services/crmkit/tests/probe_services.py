"""Two tiny services built only from crmkit, so the plumbing is tested without any domain:
`probe` writes notes and publishes NoteRecorded; `probe_consumer` counts what it handles."""
from __future__ import annotations

import psycopg
from nameko.rpc import rpc
from sqlalchemy import text

from crmkit.consumer import handles
from crmkit.errors import EXPECTED, Conflict
from crmkit.service_base import CrmService

PROBE_TABLES = """
CREATE TABLE notes (id serial PRIMARY KEY, note text NOT NULL);
CREATE TABLE handled (note text PRIMARY KEY, times integer NOT NULL);
CREATE TABLE attempts (id serial PRIMARY KEY, note text NOT NULL);
CREATE TABLE switches (name text PRIMARY KEY, is_on boolean NOT NULL);
INSERT INTO switches VALUES ('fail', false);
"""


class ProbeService(CrmService):
    name = "probe"

    @rpc
    def sleep_in_db(self, seconds):
        with self.db.reading() as connection:
            connection.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})
        return seconds

    @rpc(expected_exceptions=EXPECTED)
    def record(self, note, fail_after_writing=False):
        with self.db.unit_of_work() as uow:
            uow.connection.execute(text("INSERT INTO notes (note) VALUES (:n)"), {"n": note})
            uow.add_event("NoteRecorded", {"note": note})
            if fail_after_writing:
                raise Conflict("refused after writing")
        return note


class ProbeConsumer(CrmService):
    name = "probe_consumer"

    @handles("probe", "NoteRecorded")
    def on_note_recorded(self, uow, event):
        note = event.payload["note"]
        with self.db.unit_of_work() as attempt:  # committed even when this handler fails
            attempt.connection.execute(text("INSERT INTO attempts (note) VALUES (:n)"), {"n": note})
        if uow.connection.execute(text("SELECT is_on FROM switches WHERE name = 'fail'")).scalar():
            raise RuntimeError(f"handler switched to fail for {note}")
        if note.startswith("poison"):
            raise ValueError(f"{note} always fails")
        if note.startswith("outage-"):  # "outage-6": the database is away for the first 6 attempts
            tried = uow.connection.execute(text("SELECT count(*) FROM attempts WHERE note = :n"), {"n": note}).scalar()
            if tried <= int(note.split("-")[1]):
                raise psycopg.OperationalError("connection failed: the server is restarting (probe)")
        # Not idempotent on purpose: only the inbox keeps a redelivery from counting twice.
        uow.connection.execute(text(
            "INSERT INTO handled VALUES (:n, 1) ON CONFLICT (note) DO UPDATE SET times = handled.times + 1"),
            {"n": note})
