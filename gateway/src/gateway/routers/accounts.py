"""/api/v1/accounts, owned by the sales service: records, merge of a duplicate, merge history."""
from __future__ import annotations

from gateway.crud import Resource, crud_router
from gateway.models.accounts import Account, AccountCreate, AccountListQuery, AccountMerge, AccountUpdate
from gateway.models.contacts import MergeAudit, MergeRequest
from gateway.routers._sales_actions import action, merges_route

router = crud_router(Resource(
    path="accounts", singular="account", service="sales",
    create_model=AccountCreate, update_model=AccountUpdate, record_model=Account,
    list_query=AccountListQuery,
))

action(router, "merge", "merge_accounts", id_name="account_id", response_model=AccountMerge, body=MergeRequest,
       summary="Merge a duplicate account into this one: its contacts, child accounts, leads, opportunities, "
               "quotes, orders and invoices move here; publishes AccountMerged")
merges_route(router, "account_id", list[MergeAudit])
