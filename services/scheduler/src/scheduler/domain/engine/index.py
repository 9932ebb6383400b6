"""Lookups the search needs again and again, built once per problem."""
from __future__ import annotations

from collections import defaultdict

from scheduler.domain.engine.model import Problem


class Index:
    def __init__(self, problem: Problem):
        self.problem = problem
        self.groups_of: list[list[int]] = [[] for _ in problem.sessions]
        for g, members in enumerate(problem.groups):
            for member in members:
                self.groups_of[member].append(g)
        self.course_members: dict[str, list[int]] = defaultdict(list)
        self.successors: list[list[int]] = [[] for _ in problem.sessions]
        self.sessions_of_resource: dict[int, list[int]] = defaultdict(list)
        for i, session in enumerate(problem.sessions):
            if session.course is not None:
                self.course_members[session.course].append(i)
            if session.after is not None:
                self.successors[session.after].append(i)
            for need in session.needs:
                for resource in need.candidates:
                    self.sessions_of_resource[resource].append(i)
        # Sessions tied to one resource (a course's fixed teacher) compete for its time.
        self.tied: list[set[int]] = [set() for _ in problem.sessions]
        by_sole = defaultdict(list)
        for i, session in enumerate(problem.sessions):
            for need in session.needs:
                if len(need.candidates) == need.count:
                    for resource in need.candidates:
                        by_sole[resource].append(i)
        for members in by_sole.values():
            for i in members:
                self.tied[i].update(members)
        self.blocked = {r: sorted(spans) for r, spans in problem.blocked.items()}

    def related(self, i: int) -> set[int]:
        """Sessions sharing a group, a course, an ordering or a sole resource with session i."""
        out = set(self.tied[i])
        for g in self.groups_of[i]:
            out.update(self.problem.groups[g])
        course = self.problem.sessions[i].course
        if course is not None:
            out.update(self.course_members[course])
        if self.problem.sessions[i].after is not None:
            out.add(self.problem.sessions[i].after)
        out.update(self.successors[i])
        out.discard(i)
        return out
