"""Merging two records of the same customer: the survivor keeps its own values and takes the
merged record's values only where it has none, so a merge never loses information."""
from __future__ import annotations


def merged_values(survivor: dict, merged: dict, fields: tuple[str, ...]) -> dict:
    """The survivor's fields to change: those it lacks and the merged record has."""
    changes = {}
    for field in fields:
        mine, theirs = survivor.get(field), merged.get(field)
        if isinstance(mine, dict) and isinstance(theirs, dict):  # an address, part by part
            combined = {key: mine.get(key) if mine.get(key) is not None else value
                        for key, value in theirs.items()}
            if combined != mine:
                changes[field] = combined
        elif mine in (None, "") and theirs not in (None, ""):
            changes[field] = theirs
    return changes
