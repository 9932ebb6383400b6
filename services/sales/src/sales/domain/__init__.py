"""Pure sales rules: no I/O here, so they are tested in milliseconds."""
