"""Pure scheduling rules: calendars, requirement matching, availability search and the
constraint engine. No I/O here, so everything is unit-tested in milliseconds."""
