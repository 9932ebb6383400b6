"""The marketing service: marketing lists, campaigns, responses, metrics; keeps a read model
of the sales accounts and contacts it targets, fed by sales events."""
