"""Competitors (API.md, Sales)."""
from __future__ import annotations

from pydantic import ConfigDict, Field

from gateway.models.common import Input, ListQuery, Patch, Record
from gateway.models.fields import RequiredText200, Url


class CompetitorCreate(Input):
    name: RequiredText200
    website: Url | None = None
    strengths: str | None = Field(None, max_length=10000)
    weaknesses: str | None = Field(None, max_length=10000)


class CompetitorUpdate(Patch, CompetitorCreate):
    REQUIRED = ("name",)

    name: RequiredText200 | None = None


class Competitor(Record):
    model_config = ConfigDict(extra="ignore")

    name: str
    website: str | None = None
    strengths: str | None = None
    weaknesses: str | None = None


class CompetitorListQuery(ListQuery):
    name: str | None = None
