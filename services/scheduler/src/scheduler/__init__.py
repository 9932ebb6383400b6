"""The scheduler: resources, calendars, availability search and the constraint solver."""
