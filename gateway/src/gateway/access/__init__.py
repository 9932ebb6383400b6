"""The security model, in the spirit of Dynamics: business units (a tree), teams, users and
roles; a role grants, per resource, the privileges create, read, write, delete, assign and share,
each at an access level (own, business unit, business unit and children, organisation). Every
record has an owner (a user or a team) and can be shared with one user or team.

- `levels`: privileges, levels and how several roles combine (pure).
- `catalog`: which resource and privilege each API route needs (pure).
- `default_roles`: the roles every organisation starts with (data).
- `caller`: what one authenticated user may reach, loaded from the gateway database.
- `enforce`: the check every API request passes before its handler runs.
- `shares`, `directory`: records shared with users and teams; users, teams, units, roles.
"""
