"""/api/v1/contracts, owned by the service_desk service."""
from __future__ import annotations

from gateway.crud import Resource, crud_router
from gateway.models.contracts import Contract, ContractCreate, ContractListQuery, ContractUpdate
from gateway.routers.cases import SERVICE, actions_router, combined, record_action

actions = actions_router("contracts")
record_action(actions, "activate", "activate_contract", "contract_id", Contract,
              "Activate a draft contract (not one that already ended)", pass_user=False)
record_action(actions, "cancel", "cancel_contract", "contract_id", Contract,
              "Cancel a draft or active contract", pass_user=False)

router = combined(
    crud_router(Resource(path="contracts", singular="contract", service=SERVICE, create_model=ContractCreate,
                         update_model=ContractUpdate, record_model=Contract, list_query=ContractListQuery)),
    actions,
)
