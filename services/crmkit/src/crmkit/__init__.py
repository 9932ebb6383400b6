"""Shared plumbing of the CRM services. No domain code lives here.

Modules that need nameko/eventlet (database, relay, consumer, runner) are imported
explicitly by services; the rest (config, envelope, errors, testing) are safe to import
from asyncio code such as the gateway.
"""

import warnings

# eventlet announces its deprecation on import; nameko 2.14 still needs it (ARCHITECTURE.md).
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
