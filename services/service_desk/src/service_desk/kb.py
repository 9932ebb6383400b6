"""Knowledge articles: draft -> published -> archived (and back to draft to revise), a
snapshot per published version, full-text search, links to cases."""
from __future__ import annotations

from sqlalchemy import func, insert, select

from crmkit.records import json_safe
from crmkit.resources import Resource
from service_desk.db import ArticleRepository, case_articles, kb_article_versions
from service_desk.domain.states import ARTICLE_ACTIONS, transition
from service_desk.records import editable_only_while, get_or_404, now
from service_desk.schemas import LANGUAGES, ArticleInput


def _normalise(values: dict) -> dict:
    out = dict(values)
    if out.get("language"):
        out["language"] = LANGUAGES[out["language"]]
    if "keywords" in out:  # one keyword once, blanks trimmed, order kept
        out["keywords"] = list(dict.fromkeys(k.strip() for k in out["keywords"] or [] if k.strip()))
    return out


def language_filter(filters: dict | None) -> dict | None:
    """`?language=fr` finds the articles stored as french."""
    if filters and filters.get("language"):
        return filters | {"language": LANGUAGES.get(filters["language"], filters["language"])}
    return filters


def _linked_to_cases(repo: ArticleRepository, article: dict) -> str | None:
    if article["published_version"] is not None:
        return "A published article is kept with its versions; archive it instead."
    linked = repo.connection.execute(select(func.count()).select_from(case_articles)
                                     .where(case_articles.c.article_id == article["id"])).scalar()
    return f"The article is linked to {linked} case(s)." if linked else None


ARTICLES = Resource(
    label="article", event_prefix="Article", schema=ArticleInput, repository=ArticleRepository,
    event_payload=lambda record: {},
    check=editable_only_while({"draft"}, set(), "article"),
    delete_blocker=_linked_to_cases, normalise=_normalise,
)


def act(db, article_id: str, action: str, user_id: str | None) -> dict:
    """publish / archive / revise; publishing snapshots the content as a new version."""
    with db.unit_of_work() as uow:
        repo = ArticleRepository(uow.connection)
        article = get_or_404(repo, article_id, "article", for_update=True)
        target = transition(ARTICLE_ACTIONS, "article", action, article["status"])
        changes = {"status": target}
        if action == "publish":
            number = (article["published_version"] or 0) + 1
            changes |= {"published_version": number, "published_at": now(), "archived_at": None}
            uow.connection.execute(insert(kb_article_versions).values(
                article_id=article["id"], version_number=number, title=article["title"], body=article["body"],
                keywords=article["keywords"], language=article["language"], published_at=changes["published_at"],
                published_by=user_id))
        elif action == "archive":
            changes["archived_at"] = now()
        return json_safe(repo.change(article, changes))


def versions(db, article_id: str) -> dict:
    with db.reading() as connection:
        article = get_or_404(ArticleRepository(connection), article_id, "article")
        rows = connection.execute(select(kb_article_versions)
                                  .where(kb_article_versions.c.article_id == article["id"])
                                  .order_by(kb_article_versions.c.version_number)).mappings().all()
    return {"items": json_safe([dict(row) for row in rows]), "next_cursor": None}
