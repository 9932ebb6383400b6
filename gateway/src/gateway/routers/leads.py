"""/api/v1/leads, owned by the sales service: records and their lifecycle actions."""
from __future__ import annotations

from gateway.crud import Resource, crud_router
from gateway.models.leads import (DisqualifyRequest, Lead, LeadCreate, LeadListQuery, LeadUpdate, Qualification,
                                  QualifyRequest)
from gateway.routers._sales_actions import action

router = crud_router(Resource(
    path="leads", singular="lead", service="sales",
    create_model=LeadCreate, update_model=LeadUpdate, record_model=Lead, list_query=LeadListQuery,
))

action(router, "mark-contacted", "mark_lead_contacted", id_name="lead_id", response_model=Lead,
       summary="new -> contacted")
action(router, "qualify", "qualify_lead", id_name="lead_id", response_model=Qualification, body=QualifyRequest,
       body_arg="options",
       summary="new or contacted -> qualified: creates or links the account, contact and opportunity in one "
               "transaction; publishes LeadQualified")
action(router, "disqualify", "disqualify_lead", id_name="lead_id", response_model=Lead, body=DisqualifyRequest,
       summary="new or contacted -> disqualified, with a reason; publishes LeadDisqualified")
