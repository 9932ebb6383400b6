"""/api/v1/quotes, owned by the sales service: drafts and their lines, activate, revise,
accept (creates the order), close, and the Word document."""
from __future__ import annotations

import base64
from typing import Annotated
from uuid import UUID

from fastapi import Body, Response

from gateway.crud import Resource, crud_router
from gateway.models.quotes import (Acceptance, CloseRequest, Quote, QuoteCreate, QuoteLineCreate, QuoteLineUpdate,
                                   QuoteListQuery, QuoteUpdate)
from gateway.openapi import errors
from gateway.routers._sales_actions import SERVICE, Rpc, action

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

router = crud_router(Resource(
    path="quotes", singular="quote", service="sales",
    create_model=QuoteCreate, update_model=QuoteUpdate, record_model=Quote, list_query=QuoteListQuery,
))

action(router, "activate", "activate_quote", id_name="quote_id", response_model=Quote,
       summary="draft -> active: the lines are frozen")
action(router, "revise", "revise_quote", id_name="quote_id", response_model=Quote,
       summary="active -> closed; returns a new draft with revision + 1 and the lines copied")
action(router, "accept", "accept_quote", id_name="quote_id", response_model=Acceptance,
       summary="active -> won: creates the order in the same transaction; publishes QuoteAccepted")
action(router, "close", "close_quote", id_name="quote_id", response_model=Quote, body=CloseRequest,
       summary="draft or active -> closed, with a reason")


@router.post("/{quote_id}/lines", response_model=Quote, status_code=201, operation_id="add_quote_line",
             summary="Add a line to a draft, priced from the price list (tiers, then manual discount); "
                     "returns the quote with its new totals", responses=errors(404, 409, 422))
async def add_line(quote_id: UUID, body: Annotated[QuoteLineCreate, Body()], rpc: Rpc):
    return await rpc.call(SERVICE, "add_quote_line", quote_id=str(quote_id),
                          data=body.model_dump(mode="json", exclude_unset=True))


@router.patch("/{quote_id}/lines/{line_id}", response_model=Quote, operation_id="update_quote_line",
              summary="Change a draft line's quantity, unit price or manual discount; it is priced again",
              responses=errors(404, 409, 422))
async def update_line(quote_id: UUID, line_id: UUID, body: Annotated[QuoteLineUpdate, Body()], rpc: Rpc):
    return await rpc.call(SERVICE, "update_quote_line", quote_id=str(quote_id), line_id=str(line_id),
                          changes=body.model_dump(mode="json", exclude_unset=True))


@router.delete("/{quote_id}/lines/{line_id}", response_model=Quote, operation_id="delete_quote_line",
               summary="Remove a line from a draft; returns the quote with its new totals",
               responses=errors(404, 409, 422))
async def delete_line(quote_id: UUID, line_id: UUID, rpc: Rpc):
    return await rpc.call(SERVICE, "delete_quote_line", quote_id=str(quote_id), line_id=str(line_id))


@router.get("/{quote_id}/document", response_class=Response, operation_id="get_quote_document",
            summary="The quote as a Word document: customer, lines, discounts and totals",
            responses={200: {"content": {DOCX: {"schema": {"type": "string", "format": "binary"}}},
                             "description": "The .docx file"}, **errors(404, 422)})
async def document(quote_id: UUID, rpc: Rpc) -> Response:
    rendered = await rpc.call(SERVICE, "quote_document", quote_id=str(quote_id))
    return Response(base64.b64decode(rendered["content_base64"]), media_type=DOCX,
                    headers={"Content-Disposition": f'attachment; filename="{rendered["filename"]}"'})
