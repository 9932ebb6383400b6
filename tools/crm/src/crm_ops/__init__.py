"""Operator tooling for the CRM suite (the `crm` command)."""
