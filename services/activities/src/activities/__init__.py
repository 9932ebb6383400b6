"""Activities: phone calls, emails, tasks, appointments and more, each regarding a record of any service."""
