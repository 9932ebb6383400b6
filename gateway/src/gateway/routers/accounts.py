"""/api/v1/accounts, owned by the sales service."""
from __future__ import annotations

from gateway.crud import Resource, crud_router
from gateway.models.accounts import Account, AccountCreate, AccountListQuery, AccountUpdate

router = crud_router(Resource(
    path="accounts", singular="account", service="sales",
    create_model=AccountCreate, update_model=AccountUpdate, record_model=Account,
    list_query=AccountListQuery,
))
