"""Bulk creation (imports) writes a chunk of records with one INSERT statement, defaults and
duplicate keys included, for every sales repository that does not add steps of its own."""
from sqlalchemy import create_engine, event

from sales.db import ContactRepository, LeadRepository, ProductRepository


def inserts_while(url: str, work) -> tuple[list[str], object]:
    engine = create_engine(url)
    statements = []

    @event.listens_for(engine, "before_cursor_execute")
    def seen(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT"):
            statements.append(statement.split("(")[0].strip())

    try:
        with engine.begin() as connection:
            result = work(connection)
    finally:
        engine.dispose()
    return statements, result


def test_a_chunk_of_leads_is_one_insert_with_the_defaults_and_keys(shared_sales):
    items = [{"topic": f"Bulk {n}", "last_name": f"Lee{n}", "email": f"BULK.{n}@Example.com"} for n in range(25)]
    statements, records = inserts_while(shared_sales.database_url,
                                        lambda c: LeadRepository(c).add_many(items, None))
    assert statements == ["INSERT INTO leads"]
    assert [r["status"] for r in records] == ["new"] * 25 and {r["source"] for r in records} == {"other"}
    stored = shared_sales.sql.rows("SELECT status, source, email_key FROM leads WHERE topic LIKE :p ORDER BY topic",
                                  p="Bulk %")
    assert len(stored) == 25 and {(s["status"], s["source"]) for s in stored} == {("new", "other")}
    assert stored[0]["email_key"] == "bulk.0@example.com"


def test_contacts_and_products_are_one_insert_per_chunk_too(shared_sales):
    contacts = [{"first_name": "Ann", "last_name": f"Bulk{n}"} for n in range(10)]
    products = [{"name": f"Bulk product {n}", "product_number": f"BP-{n}"} for n in range(10)]
    statements, _ = inserts_while(shared_sales.database_url, lambda c: (
        ContactRepository(c).add_many(contacts, None), ProductRepository(c).add_many(products, None)))
    assert statements == ["INSERT INTO contacts", "INSERT INTO products"]


def test_the_bulk_rpc_answers_the_new_ids_in_the_order_of_the_items(shared_sales):
    items = [{"first_name": "Ids", "last_name": f"Order{n}"} for n in range(5)]
    ids = shared_sales.rpc.create_contacts_bulk(items)
    stored = {row["id"]: row["last_name"] for row in shared_sales.sql.rows(
        "SELECT id::text AS id, last_name FROM contacts WHERE first_name = 'Ids'")}
    assert [stored[record_id] for record_id in ids] == [f"Order{n}" for n in range(5)]
