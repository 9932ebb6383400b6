"""Knowledge base articles (API.md, Service desk)."""
from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gateway.models.common import Input, ListQuery, Patch, Record

ArticleStatus = Literal["draft", "published", "archived"]
Keyword = Field(min_length=1, max_length=100)
LANGUAGE = ("A PostgreSQL text search language by name or ISO 639-1 code (english, en, french, fr, "
            "german, de, spanish, es, ...); words are stemmed in it. Default english.")


class ArticleCreate(Input):
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=200_000)
    keywords: list[str] = Field([], max_length=50)
    language: str | None = Field(None, max_length=20, description=LANGUAGE)


class ArticleUpdate(Patch, ArticleCreate):
    """Only a draft changes; revise a published or archived article first."""

    REQUIRED = ("title", "body", "keywords")

    title: str | None = Field(None, min_length=1, max_length=300)
    body: str | None = Field(None, min_length=1, max_length=200_000)
    keywords: list[str] | None = Field(None, max_length=50)


class Article(Record):
    model_config = ConfigDict(extra="ignore")

    title: str
    body: str
    keywords: list[str]
    language: str
    status: ArticleStatus
    published_version: int | None = Field(None, description="Number of the latest published version")
    published_at: AwareDatetime | None = None
    archived_at: AwareDatetime | None = None
    rank: float | None = Field(None, description="Relevance to `q`, when searching")


class ArticleListQuery(ListQuery):
    """With `q`: published articles ranked by relevance (title > keywords > body)."""

    status: ArticleStatus | None = None
    language: str | None = None
    owner_id: UUID | None = None


class ArticleVersion(BaseModel):
    version_number: int
    title: str
    body: str
    keywords: list[str]
    language: str
    published_at: AwareDatetime
    published_by: UUID | None = None


class ArticleVersions(BaseModel):
    items: list[ArticleVersion]
    next_cursor: str | None = None
