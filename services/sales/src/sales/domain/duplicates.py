"""Matching keys for duplicate detection: two records are likely the same customer when their
normalised email, phone or (for accounts) name are equal. The keys are stored beside the
records (indexed), so a lookup is one indexed query."""
from __future__ import annotations

import re

# Legal forms that do not tell companies apart: "Contoso Ltd." is "CONTOSO".
_LEGAL_FORMS = {"ltd", "limited", "inc", "incorporated", "llc", "llp", "plc", "corp", "corporation",
                "co", "company", "gmbh", "ag", "sa", "sas", "sarl", "bv", "nv", "srl", "spa", "oy", "ab"}
_WORD = re.compile(r"[^\W_]+")
_NOT_DIGIT = re.compile(r"\D")
# Fewer digits than this is an extension or a typo, not a number worth matching on.
MIN_PHONE_DIGITS = 6
# Compare national numbers: "+1 425 555 0101" and "(425) 555-0101" are the same phone.
PHONE_DIGITS_COMPARED = 10


def email_key(email: str | None) -> str | None:
    return email.strip().lower() or None if email else None


def phone_key(phone: str | None) -> str | None:
    digits = _NOT_DIGIT.sub("", phone or "")
    return digits[-PHONE_DIGITS_COMPARED:] if len(digits) >= MIN_PHONE_DIGITS else None


def name_key(name: str | None) -> str | None:
    words = [word for word in _WORD.findall((name or "").casefold()) if word not in _LEGAL_FORMS]
    return " ".join(words) or None


def matching_keys(record: dict, phone_fields: tuple[str, ...], with_name: bool) -> dict[str, set[str]]:
    """{"email": {...}, "phone": {...}, "name": {...}} of the keys a record can be matched on."""
    keys = {"email": {email_key(record.get("email"))},
            "phone": {phone_key(record.get(field)) for field in phone_fields}}
    if with_name:
        keys["name"] = {name_key(record.get("name"))}
    return {kind: values - {None} for kind, values in keys.items() if values - {None}}


def duplicate_errors(matches: list[tuple[str, str, str]]) -> list[dict]:
    """[(kind, label, id)] -> one field error per match, carrying the matching record's id."""
    return [{"field": kind, "message": f"the same {kind} as {label} {record_id}", "id": record_id}
            for kind, label, record_id in matches]
