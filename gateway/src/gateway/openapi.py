"""OpenAPI: error responses are documented as `application/problem+json` bodies."""
from __future__ import annotations

import json
from http import HTTPStatus

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from gateway.models.common import ProblemModel
from gateway.problems import MEDIA_TYPE

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
# FastAPI's own 422 schemas, replaced by Problem everywhere.
_UNUSED = ("HTTPValidationError", "ValidationError")


def errors(*statuses: int) -> dict:
    """`responses=` entries for error statuses; their body schema is filled in below."""
    return {status: {"description": HTTPStatus(status).phrase} for status in statuses}


def install(app: FastAPI) -> None:
    def schema() -> dict:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version,
                                   description=app.description, routes=app.routes)
            _use_problem_bodies(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = schema


def _generic(response: dict) -> bool:
    """An error response without a body of its own (or FastAPI's default 422 body); routes
    that document a specific error body (e.g. /ready's 503) keep it."""
    content = response.get("content")
    return not content or "HTTPValidationError" in json.dumps(content)


def _use_problem_bodies(document: dict) -> None:
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                if status.isdigit() and int(status) >= 400 and _generic(response):
                    response["content"] = {MEDIA_TYPE: {"schema": _PROBLEM_REF}}
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in _UNUSED:
        schemas.pop(name, None)
    problem = ProblemModel.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    problem["title"] = "Problem"
    schemas["Problem"] = problem
