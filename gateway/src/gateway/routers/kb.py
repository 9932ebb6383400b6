"""/api/v1/kb/articles, owned by the service_desk service."""
from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from gateway.crud import Resource, crud_router
from gateway.models.kb import Article, ArticleCreate, ArticleListQuery, ArticleUpdate, ArticleVersions
from gateway.openapi import errors
from gateway.routers.cases import SERVICE, Rpc, actions_router, combined, record_action


@dataclass(frozen=True)
class ArticleResource(Resource):
    """The path has a folder (kb/); the RPC names do not: list_articles, not list_kb/articles."""

    @property
    def plural(self) -> str:
        return "articles"


actions = actions_router("kb/articles")
record_action(actions, "publish", "publish_article", "article_id", Article,
              "Publish a draft; keeps its content as a new version")
record_action(actions, "archive", "archive_article", "article_id", Article, "Archive a published article")
record_action(actions, "revise", "revise_article", "article_id", Article,
              "Back to draft, to edit a published or archived article")


@actions.get("/{article_id}/versions", response_model=ArticleVersions, operation_id="list_article_versions",
             summary="Every published version of the article", responses=errors(404, 422))
async def list_article_versions(article_id: UUID, rpc: Rpc):
    return await rpc.call(SERVICE, "list_article_versions", article_id=str(article_id))


router = combined(
    crud_router(ArticleResource(path="kb/articles", singular="article", service=SERVICE, table="kb_articles",
                                create_model=ArticleCreate, update_model=ArticleUpdate, record_model=Article,
                                list_query=ArticleListQuery)),
    actions,
)
