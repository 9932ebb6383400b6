"""Pure activity rules: kinds, lifecycle, custom fields, recurrence, calendars. No I/O here."""
