"""Simulated annealing on periods and rooms, for problems whose sessions each last one time
unit (a timetable of periods: the ITC2007 curriculum-based instances have this shape).

CP-SAT neighbourhoods improve such a timetable slowly: what is left is mostly compactness,
which needs many small coordinated moves. Here a move takes one session to another period
and room, swapping with the session already there, and its cost change is computed
incrementally from per-period counters (groups and fixed resources, days and rooms per
course): a few microseconds a move, so millions of moves fit in a few minutes. Hard
conflicts (two members of a group, or two users of a fixed resource, in one period) are
allowed during the search at a penalty, which lets it cross infeasible ground; only
conflict-free states are ever kept as the best. Rooms never double book (a move into an
occupied room swaps) and periods outside a session's starts are never used.

Applicable when every session lasts 1, has no predecessor, and has at most one need with a
choice (count 1 of several candidates, e.g. a room) besides needs fixed to their candidates
(e.g. a teacher), the two kinds of resources being disjoint, and no load balancing.
"""
from __future__ import annotations

import math
import random
import time
from typing import Callable

from scheduler.domain.engine.evaluate import cost
from scheduler.domain.engine.model import Assignment, Placement, Problem


def applicable(problem: Problem) -> bool:
    if problem.weights.balance and problem.balanced:
        return False
    fixed, flexible = set(), set()
    for session in problem.sessions:
        if session.duration != 1 or session.after is not None or not session.starts:
            return False
        choices = [need for need in session.needs if need.count != len(need.candidates)]
        if len(choices) > 1 or any(need.count != 1 for need in choices):
            return False
        for need in session.needs:
            (flexible if need in choices else fixed).update(need.candidates)
    return not fixed & flexible


def joining(count: list, base: int, a: int, b: int, here: int, prev_same: list, next_same: list) -> int:
    """Change in a group's isolated sessions when one joins a period that holds `here` of
    them, between periods a and b of the same day (-1: the day ends there); `count[base +
    p]` is the group's sessions in period p. Leaving is the opposite change."""
    left = count[base + a] if a >= 0 else 0
    right = count[base + b] if b >= 0 else 0
    change = 0 if left or right else 1
    if here == 0:  # neighbours with nobody else next to them are no longer isolated
        if left:
            aa = prev_same[a]
            if aa < 0 or not count[base + aa]:
                change -= left
        if right:
            bb = next_same[b]
            if bb < 0 or not count[base + bb]:
                change -= right
    return change


class Annealer:
    def __init__(self, problem: Problem, assignment: Assignment, seed: int = 0):
        self.problem = problem
        self.rng = random.Random(seed)
        sessions = problem.sessions
        n = self.n = len(sessions)
        D = problem.day_length
        P = self.P = max(max(s.starts) for s in sessions) + 1
        self.day_of = [p // D for p in range(P)]
        self.prev_same = [p - 1 if p > 0 and (p - 1) // D == p // D else -1 for p in range(P)]
        self.next_same = [p + 1 if p + 1 < P and (p + 1) // D == p // D else -1 for p in range(P)]
        days = self.day_of[-1] + 1
        weights = problem.weights
        self.w_compact, self.w_spread, self.w_stable = weights.compactness, weights.spread, weights.stability

        # Conflict sets: groups first (their counters also price compactness), then fixed resources.
        G = len(problem.groups)
        self.groups_of = [[] for _ in range(n)]
        for g, members in enumerate(problem.groups):
            for i in members:
                self.groups_of[i].append(g)
        fixed_ids: dict[int, int] = {}
        self.need_index = [-1] * n  # position of the chosen resource in Placement.resources
        self.fixed_of = [[] for _ in range(n)]
        self.fixed_resources = [() for _ in range(n)]
        flexible: dict[int, int] = {}
        for i, session in enumerate(sessions):
            cursor, fixed = 0, []
            for need in session.needs:
                if need.count == len(need.candidates):
                    fixed += need.candidates
                    for r in need.candidates:
                        self.fixed_of[i].append(G + fixed_ids.setdefault(r, len(fixed_ids)))
                else:
                    self.need_index[i] = cursor
                    for r in need.candidates:
                        flexible.setdefault(r, len(flexible))
                cursor += need.count
            self.fixed_resources[i] = tuple(fixed)
        self.group_mates = [sorted({m for g in self.groups_of[i] for m in problem.groups[g]} - {i})
                            for i in range(n)]
        self.conflict_sets = [self.groups_of[i] + self.fixed_of[i] for i in range(n)]
        by_set: dict[int, list[int]] = {}
        for i in range(n):
            for c in self.conflict_sets[i]:
                by_set.setdefault(c, []).append(i)
        self.conflict_mates = [{m for c in self.conflict_sets[i] for m in by_set[c]} for i in range(n)]
        self.count = [0] * ((G + len(fixed_ids)) * P)
        self.rooms = sorted(flexible, key=flexible.get)  # local room index -> resource
        R = len(self.rooms)

        # Periods a session may use (its starts, minus blocked time of its fixed resources).
        self.allowed, self.allowed_flag, self.start_cost = [], [], []
        for i, session in enumerate(sessions):
            blocked = [span for r in self.fixed_resources[i] for span in problem.blocked.get(r, ())]
            periods = [t for t in session.starts if not any(s <= t < e for s, e in blocked)]
            self.allowed.append(periods)
            flag = bytearray(P)
            for t in periods:
                flag[t] = 1
            self.allowed_flag.append(flag)
            if session.start_costs and any(session.start_costs):
                costs = [0] * P
                for t, c in zip(session.starts, session.start_costs):
                    costs[t] = c
                self.start_cost.append(costs)
            else:
                self.start_cost.append(None)
        # Rooms: candidates, their costs (-1: not a candidate), occupancy (-2: blocked).
        self.candidates, self.room_cost = [], []
        for i, session in enumerate(sessions):
            costs = [-1] * R
            local = []
            for need in session.needs:
                if need.count != len(need.candidates):
                    for r, c in zip(need.candidates, need.costs):
                        costs[flexible[r]] = c
                        local.append(flexible[r])
            self.candidates.append(local)
            self.room_cost.append(costs)
        self.occupant = [-1] * (R * P)
        for r, spans in problem.blocked.items():
            if r in flexible:
                for s, e in spans:
                    for t in range(max(0, s), min(P, e)):
                        self.occupant[flexible[r] * P + t] = -2

        # Courses: days used (spread) and rooms used (stability).
        names = sorted({s.course for s in sessions if s.course is not None})
        course_id = {c: k for k, c in enumerate(names)}
        self.course = [course_id.get(s.course, -1) for s in sessions]
        self.course_members = [[] for _ in names]
        for i, k in enumerate(self.course):
            if k >= 0:
                self.course_members[k].append(i)
        self.min_days = [problem.min_days.get(c, 0) for c in names]
        self.days = days
        self.day_count = [0] * (len(names) * days)
        self.days_used = [0] * len(names)
        self.room_count = [0] * (len(names) * max(1, R))
        self.rooms_used = [0] * len(names)

        self.period = [-1] * n
        self.room = [-1] * n
        self.hard = 0
        self.soft = 0
        self.unplaced = 0
        for i, placement in enumerate(assignment):
            if placement is not None:
                r = self._local_room(i, placement)
                if self.allowed_flag[i][placement.start] and (r < 0 or self.occupant[r * P + placement.start] == -1):
                    self._place(i, placement.start, r)
                    continue
            self.unplaced += 1
        for i in range(n):
            if self.period[i] < 0:
                self._place_anywhere(i)

    def _local_room(self, i, placement: Placement) -> int:
        if self.need_index[i] < 0:
            return -1
        resource = placement.resources[self.need_index[i]]
        return self.rooms.index(resource) if resource in self.rooms else -1

    def _place_anywhere(self, i) -> None:
        """An unplaced session to the free room and period with the fewest conflicts."""
        best = None
        P, count = self.P, self.count
        for t in self.allowed[i]:
            clash = sum(1 for c in self.conflict_sets[i] if count[c * P + t])
            if best is not None and clash >= best[0]:
                continue
            if self.need_index[i] < 0:
                best = (clash, t, -1)
                continue
            free = [r for r in self.candidates[i] if self.occupant[r * P + t] == -1]
            if free:
                best = (clash, t, min(free, key=lambda r: self.room_cost[i][r]))
        if best is not None:
            self.unplaced -= 1
            self._place(i, best[1], best[2])

    def _place(self, i, t, r) -> None:
        dh, ds = self.add(i, t, r)
        self.hard += dh
        self.soft += ds

    # -- incremental moves: each returns (change in hard conflicts, change in soft cost) --
    def add(self, i, t, r):
        P, count = self.P, self.count
        dh = ds = 0
        for c in self.fixed_of[i]:
            if count[c * P + t]:
                dh += 1
            count[c * P + t] += 1
        prev_same, next_same = self.prev_same, self.next_same
        a, b = prev_same[t], next_same[t]
        for g in self.groups_of[i]:
            base = g * P
            here = count[base + t]
            if here:
                dh += 1
            ds += joining(count, base, a, b, here, prev_same, next_same)
            count[base + t] = here + 1
        ds *= self.w_compact
        self.period[i] = t
        k = self.course[i]
        if k >= 0:
            m = self.min_days[k]
            if m:
                slot = k * self.days + self.day_of[t]
                if self.day_count[slot] == 0:
                    used = self.days_used[k]
                    ds += self.w_spread * ((m - used - 1 if used + 1 < m else 0) - (m - used if 0 < used < m else 0))
                    self.days_used[k] = used + 1
                self.day_count[slot] += 1
        if r >= 0:
            self.occupant[r * P + t] = i
            self.room[i] = r
            ds += self.room_cost[i][r]
            if k >= 0:
                slot = k * len(self.rooms) + r
                if self.room_count[slot] == 0:
                    if self.rooms_used[k]:
                        ds += self.w_stable
                    self.rooms_used[k] += 1
                self.room_count[slot] += 1
        costs = self.start_cost[i]
        if costs is not None:
            ds += costs[t]
        return dh, ds

    def shift(self, i, t2, r2, j, t1, r1):
        """Session i to (t2, r2) and, unless j is -1, session j to (t1, r1): (hard, soft) change."""
        dh, ds = self.remove(i)
        if j >= 0:
            h, s = self.remove(j)
            dh += h
            ds += s
        h, s = self.add(i, t2, r2)
        dh += h
        ds += s
        if j >= 0:
            h, s = self.add(j, t1, r1)
            dh += h
            ds += s
        return dh, ds

    def delta(self, i, t2, r2):
        """(hard, soft) change of moving session i to period t2 and room r2, nothing changed;
        exact when t2 is on another day than i's period or more than two periods away, and
        no session moves the other way that shares a group or fixed resource with i."""
        P, count = self.P, self.count
        t1, r1 = self.period[i], self.room[i]
        dh = ds = 0
        for c in self.fixed_of[i]:
            if count[c * P + t1] > 1:
                dh -= 1
            if count[c * P + t2]:
                dh += 1
        prev_same, next_same = self.prev_same, self.next_same
        a1, b1, a2, b2 = prev_same[t1], next_same[t1], prev_same[t2], next_same[t2]
        for g in self.groups_of[i]:
            base = g * P
            here = count[base + t1] - 1
            if here:
                dh -= 1
            ds -= joining(count, base, a1, b1, here, prev_same, next_same)
            here = count[base + t2]
            if here:
                dh += 1
            ds += joining(count, base, a2, b2, here, prev_same, next_same)
        ds *= self.w_compact
        k = self.course[i]
        if k >= 0:
            m = self.min_days[k]
            d1, d2 = self.day_of[t1], self.day_of[t2]
            if m and d1 != d2:
                used = self.days_used[k]
                after = used - (self.day_count[k * self.days + d1] == 1) + (self.day_count[k * self.days + d2] == 0)
                if after != used:
                    ds += self.w_spread * ((m - after if 0 < after < m else 0) - (m - used if 0 < used < m else 0))
            if r1 != r2 and self.w_stable:
                slot = k * len(self.rooms)
                used = self.rooms_used[k]
                after = used - (self.room_count[slot + r1] == 1) + (self.room_count[slot + r2] == 0)
                ds += self.w_stable * (max(0, after - 1) - max(0, used - 1))
        if r1 >= 0:
            costs = self.room_cost[i]
            ds += costs[r2] - costs[r1]
        costs = self.start_cost[i]
        if costs is not None:
            ds += costs[t2] - costs[t1]
        return dh, ds

    def remove(self, i):
        P, count = self.P, self.count
        t, r = self.period[i], self.room[i]
        dh = ds = 0
        for c in self.fixed_of[i]:
            count[c * P + t] -= 1
            if count[c * P + t]:
                dh -= 1
        prev_same, next_same = self.prev_same, self.next_same
        a, b = prev_same[t], next_same[t]
        for g in self.groups_of[i]:
            base = g * P
            here = count[base + t] - 1
            count[base + t] = here
            if here:
                dh -= 1
            ds -= joining(count, base, a, b, here, prev_same, next_same)
        ds *= self.w_compact
        self.period[i] = -1
        k = self.course[i]
        if k >= 0:
            m = self.min_days[k]
            if m:
                slot = k * self.days + self.day_of[t]
                self.day_count[slot] -= 1
                if self.day_count[slot] == 0:
                    used = self.days_used[k] - 1
                    self.days_used[k] = used
                    ds += self.w_spread * ((m - used if 0 < used < m else 0) - (m - used - 1 if used + 1 < m else 0))
        if r >= 0:
            self.occupant[r * P + t] = -1
            self.room[i] = -1
            ds -= self.room_cost[i][r]
            if k >= 0:
                slot = k * len(self.rooms) + r
                self.room_count[slot] -= 1
                if self.room_count[slot] == 0:
                    self.rooms_used[k] -= 1
                    if self.rooms_used[k]:
                        ds -= self.w_stable
        costs = self.start_cost[i]
        if costs is not None:
            ds -= costs[t]
        return dh, ds

    def assignment(self, period=None, room=None) -> Assignment:
        period = self.period if period is None else period
        room = self.room if room is None else room
        out: Assignment = []
        for i in range(self.n):
            if period[i] < 0:
                out.append(None)
                continue
            resources = list(self.fixed_resources[i])
            if self.need_index[i] >= 0:
                resources.insert(self.need_index[i], self.rooms[room[i]])
            out.append(Placement(period[i], tuple(resources)))
        return out

    def run(self, deadline: float, hard_weight: int = 8, t_start: float = 3.0, t_end: float = 0.05,
            same_period: float = 0.1, next_to_mate: float = 0.3, keep_room: float = 0.7,
            course_room: float = 0.85, on_best: Callable[[float, list, list, int], None] | None = None,
            began: float | None = None, max_moves: int = 0, cool: float = 0.5,
            give_up: float | None = None):
        """Anneal until the deadline, or for `max_moves` moves if given (the temperature
        falls geometrically from t_start to t_end with time, or moves); returns the best
        conflict-free (period, room, soft cost) seen, or None when none was conflict-free
        (also when still none at the time `give_up`, if given: then it stops there)."""
        rng = self.rng
        random_, randrange, exp = rng.random, rng.randrange, math.exp
        n, P = self.n, self.P
        period, room, occupant = self.period, self.room, self.occupant
        allowed, allowed_flag, candidates, room_cost = self.allowed, self.allowed_flag, self.candidates, self.room_cost
        course, course_members = self.course, self.course_members
        group_mates, prev_same, next_same = self.group_mates, self.prev_same, self.next_same
        shift, delta, day_of = self.shift, self.delta, self.day_of
        conflict_mates = self.conflict_mates
        now = time.monotonic()
        began = now if began is None else began
        span = max(1e-3, deadline - now)
        first = now
        hard, soft = self.hard, self.soft
        best = None
        if hard == 0:
            best = (list(period), list(room), soft)
            if on_best is not None:
                on_best(now - began, best[0], best[1], soft)
        temperature, weight = t_start, hard_weight
        ratio = math.log(t_end / t_start)
        moves = 0
        while True:
            moves += 1
            if moves & 1023 == 0:
                # Conflicts that last grow dearer until they go (at the base weight the
                # search may find a conflict cheaper than its soft cost forever): until the
                # first conflict-free schedule, and again once cool.
                if not hard:
                    weight = hard_weight
                elif best is None or temperature < cool:
                    weight += 1
                now = time.monotonic()
                if max_moves:
                    if moves >= max_moves:
                        break
                    temperature = t_start * exp(ratio * moves / max_moves)
                else:
                    if now >= deadline or (best is None and give_up is not None and now >= give_up):
                        break
                    temperature = t_start * exp(ratio * (now - first) / span)
            i = randrange(n)
            t1, r1 = period[i], room[i]
            if t1 < 0:
                continue
            mates = group_mates[i]
            if mates and random_() < next_to_mate:  # next to a lecture of one of its groups
                t2 = period[mates[randrange(len(mates))]]
                if t2 < 0:
                    continue
                t2 = prev_same[t2] if random_() < 0.5 else next_same[t2]
                if t2 < 0 or not allowed_flag[i][t2]:
                    continue
            else:
                options = allowed[i]
                t2 = options[randrange(len(options))]
            if r1 >= 0:
                u = random_()
                if u < same_period:
                    t2 = t1
                if u < same_period or u >= keep_room:
                    k = course[i]
                    if k >= 0 and u < course_room:  # a room another lecture of the course uses
                        members = course_members[k]
                        r2 = room[members[randrange(len(members))]]
                        if r2 < 0 or room_cost[i][r2] < 0:
                            continue
                    else:
                        rooms = candidates[i]
                        r2 = rooms[randrange(len(rooms))]
                else:
                    r2 = r1
                if t2 == t1 and r2 == r1:
                    continue
                j = occupant[r2 * P + t2]
                if j == -2:
                    continue
                if j >= 0 and (not allowed_flag[j][t1] or room_cost[j][r1] < 0 or course[j] == course[i] >= 0):
                    continue
            else:
                if t2 == t1:
                    continue
                r2, j = -1, -1
            if (day_of[t1] != day_of[t2] or not -3 < t1 - t2 < 3) and (
                    j < 0 or j not in conflict_mates[i]):
                # Independent halves: price the move first, make it only when accepted.
                dh, ds = delta(i, t2, r2)
                if j >= 0:
                    h, s = delta(j, t1, r1)
                    dh += h
                    ds += s
                change = weight * dh + ds
                if change > 0 and random_() >= exp(-change / temperature):
                    continue
                shift(i, t2, r2, j, t1, r1)
            else:
                dh, ds = shift(i, t2, r2, j, t1, r1)
                change = weight * dh + ds
                if change > 0 and random_() >= exp(-change / temperature):
                    shift(i, t1, r1, j, t2, r2)
                    continue
            hard += dh
            soft += ds
            if hard == 0 and (best is None or soft < best[2]):
                best = (list(period), list(room), soft)
                if on_best is not None:
                    on_best(time.monotonic() - began, best[0], best[1], soft)
        self.hard, self.soft = hard, soft
        self.moves = moves
        return best


# A search that holds no conflict-free schedule after this long starts again, with another
# seed and twice as long to try. Some seeds leave a few conflicts that, once dear, no single
# move or swap can trade away (comp05: seed 0 stayed stuck for a whole 300 s run, seeds 2
# and 5 for the 20 s they were watched, while seeds 1, 3 and 4 were conflict-free within 5 s).
RESTART_AFTER_S = 4.0


def anneal(problem: Problem, assignment: Assignment, deadline: float, seed: int = 0,
           began: float | None = None, history: list | None = None,
           on_improve: Callable[[Assignment, int], None] | None = None,
           restart_from: Callable[[], Assignment] | None = None) -> tuple[Assignment, int]:
    """The best schedule annealing finds from `assignment` before the deadline (the given
    one if annealing never held a conflict-free schedule as good), and the moves tried.
    `history` gets (seconds since `began`, total cost) at each improvement; `on_improve`
    (schedule, moves so far) at most once a second. When the first attempt finds nothing
    conflict-free, the second starts from `restart_from()` if given (a schedule made some
    other way), later ones from `assignment` again."""
    unplaced_weight = problem.weights.unplaced
    last = [0.0]
    moves, patience, attempt = 0, RESTART_AFTER_S, 0
    start = assignment
    while True:
        annealer = Annealer(problem, start, seed + 7919 * attempt)

        def on_best(elapsed, period, room, soft, annealer=annealer):
            total = annealer.unplaced * unplaced_weight + soft
            if history is not None:
                history.append((round(elapsed, 3), total))
            if on_improve is not None and elapsed - last[0] >= 1.0:
                last[0] = elapsed
                on_improve(annealer.assignment(period, room), total)

        give_up = time.monotonic() + patience
        best = annealer.run(deadline, on_best=on_best, began=began,
                            give_up=give_up if give_up < deadline else None)
        moves += annealer.moves
        if best is not None or time.monotonic() >= deadline:
            break
        attempt, patience = attempt + 1, patience * 2
        start = restart_from() if attempt == 1 and restart_from is not None else assignment
    if best is None:
        return assignment, moves
    trial = annealer.assignment(best[0], best[1])
    if cost(problem, trial).total <= cost(problem, assignment).total:
        return trial, moves
    return assignment, moves
