"""The CRM suite's public HTTP gateway (FastAPI): auth, REST over nameko RPC, health, metrics."""
