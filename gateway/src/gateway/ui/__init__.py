"""The web UI: server-rendered pages (Jinja2) over the gateway's own API.

The pages never talk to a database or hold business rules: each page calls the public API
in-process (`backend.Backend`, an httpx client on the app's own ASGI interface, so the UI
gets exactly the validation, 404/409/422 problems and state rules API clients get). Only
the names a page shows for ids (links, a form's choices), the dashboards' sums and the
customer 360 before the API had it read the owning service's RPC through `gateway.deps`,
as the API routes do. Routes are in `gateway.routers.ui`.
"""
