"""Who is in a marketing list, evaluated on the read model when asked (never stored for a
dynamic list, so a contact whose city changes in sales moves in or out at once).

A dynamic list's query is compiled from the domain's predicate into SQL on the read model's
indexed columns: text compares as lower(column), which the lower() indexes serve, and ages are
already birth_date ranges."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import (ColumnElement, Select, Table, and_, false, func, literal, or_, select,
                        true)

from crmkit import pagination
from marketing.db import (customer_accounts, customer_contacts, customer_leads,
                          marketing_list_members)
from marketing.domain.queries import AllOf, AnyOf, Compare, query_predicate


@dataclass(frozen=True)
class MemberSource:
    table: Table
    key: str
    columns: tuple[str, ...]  # shown with each member

    def key_column(self):
        return self.table.c[self.key]

    def live(self) -> ColumnElement:
        """Tombstoned (deleted or merged away) records are nobody's members."""
        if "deleted" in self.table.c:
            return self.table.c.deleted.is_(False)
        return true()

    def name(self) -> ColumnElement:
        c = self.table.c
        if "name" in c:
            return c.name
        person = func.nullif(func.concat_ws(" ", c.first_name, c.last_name), "")
        return func.coalesce(person, c.company_name) if "company_name" in c else person


SOURCES = {
    "contact": MemberSource(customer_contacts, "contact_id",
                            ("first_name", "last_name", "email", "city", "country", "birth_date",
                             "account_id", "owner_id")),
    "account": MemberSource(customer_accounts, "account_id",
                            ("email", "city", "country", "industry", "owner_id")),
    "lead": MemberSource(customer_leads, "lead_id",
                         ("first_name", "last_name", "company_name", "email", "status",
                          "campaign_id", "owner_id")),
}


def today() -> date:
    return datetime.now(timezone.utc).date()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def compile_predicate(table: Table, predicate) -> ColumnElement:
    if isinstance(predicate, AllOf):
        return and_(true(), *(compile_predicate(table, part) for part in predicate.parts))
    if isinstance(predicate, AnyOf):
        return or_(false(), *(compile_predicate(table, part) for part in predicate.parts))
    assert isinstance(predicate, Compare)
    column, value = table.c[predicate.column], predicate.value
    if predicate.text:
        column = func.lower(column)
        value = [item.lower() for item in value] if isinstance(value, list) else value.lower()
    op = predicate.op
    if op == "contains":
        return column.like(f"%{_escape_like(value)}%", escape="\\")
    if op == "in":
        return column.in_(value)
    if op == "ne":  # "not in Paris" includes the contacts whose city is unknown
        return column.is_distinct_from(value)
    return {"eq": column.__eq__, "lt": column.__lt__, "lte": column.__le__,
            "gt": column.__gt__, "gte": column.__ge__}[op](value)


def members_select(marketing_list: dict, details: bool = True) -> Select:
    """SELECT id[, member_type, name, ...] of the list's current members."""
    source = SOURCES[marketing_list["member_type"]]
    key = source.key_column()
    shown = [key.label("id")]
    if details:
        shown += [literal(marketing_list["member_type"]).label("member_type"),
                  source.name().label("name"), *(source.table.c[c] for c in source.columns)]
    query = select(*shown).where(source.live())
    if marketing_list["kind"] == "dynamic":
        predicate = query_predicate(marketing_list["member_type"], marketing_list["query"], today())
        return query.where(compile_predicate(source.table, predicate))
    members = marketing_list_members
    return query.join(members, members.c.member_id == key).where(members.c.list_id == marketing_list["id"])


def member_count(connection, marketing_list: dict) -> int:
    return connection.execute(
        select(func.count()).select_from(members_select(marketing_list, details=False).subquery())
    ).scalar_one()


def member_page(connection, marketing_list: dict, limit: int, cursor: str | None) -> tuple[list, str | None]:
    """Members in id order, keyset-paginated like every list of the API."""
    members = members_select(marketing_list).subquery()
    return pagination.page(connection, select(members), members, pagination.Sort("id", False),
                           limit, cursor)


def known_ids(connection, member_type: str, ids: list[str]) -> set[str]:
    """Which of `ids` are live records of this type in the read model."""
    source = SOURCES[member_type]
    key = source.key_column()
    return set(connection.execute(select(key).where(key.in_(ids), source.live())).scalars())
