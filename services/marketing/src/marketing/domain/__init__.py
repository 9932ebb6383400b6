"""Pure marketing rules: no I/O here, so they are tested in milliseconds."""
