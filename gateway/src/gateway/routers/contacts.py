"""/api/v1/contacts, owned by the sales service: records, merge of a duplicate, merge history."""
from __future__ import annotations

from gateway.crud import Resource, crud_router
from gateway.models.contacts import (Contact, ContactCreate, ContactListQuery, ContactMerge, ContactUpdate, MergeAudit,
                                     MergeRequest)
from gateway.routers._sales_actions import action, merges_route

router = crud_router(Resource(
    path="contacts", singular="contact", service="sales",
    create_model=ContactCreate, update_model=ContactUpdate, record_model=Contact,
    list_query=ContactListQuery,
))

action(router, "merge", "merge_contacts", id_name="contact_id", response_model=ContactMerge, body=MergeRequest,
       summary="Merge a duplicate contact into this one: its leads, opportunities and quotes move here; "
               "publishes ContactMerged so other services re-point theirs")
merges_route(router, "contact_id", list[MergeAudit])
