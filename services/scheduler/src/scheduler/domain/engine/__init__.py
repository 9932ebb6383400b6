"""The constraint engine behind batch solving and the ITC2007 runner.

`model` states a problem in integer time units (sessions with candidate starts, needs with
candidate resources and their costs, groups that must not overlap, blocked resource time);
`evaluate` checks hard constraints and prices a complete assignment; `cpsat` solves one
neighbourhood with OR-Tools CP-SAT, everything else fixed; `search` constructs a schedule
chunk by chunk and improves it by large neighbourhood search within a time limit, or, for a
timetable of unit-length sessions (periods), by `anneal`'s simulated annealing.
"""
