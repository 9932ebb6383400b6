"""/api/v1/contacts, owned by the sales service."""
from __future__ import annotations

from gateway.crud import Resource, crud_router
from gateway.models.contacts import Contact, ContactCreate, ContactListQuery, ContactUpdate

router = crud_router(Resource(
    path="contacts", singular="contact", service="sales",
    create_model=ContactCreate, update_model=ContactUpdate, record_model=Contact,
    list_query=ContactListQuery,
))
