"""The web UI under `/` (work areas Sales, Marketing, Service, Scheduling, My work, and the
dashboards): server-rendered pages, built in `gateway.ui`. Its paths sit outside /api/v1
and the operations paths, so no page can shadow an API route."""
from gateway.ui.routes import router

__all__ = ["router"]
