"""Adjective-animal nicknames from coolname's word lists, derived from the resource id."""

from __future__ import annotations

import hashlib
import unicodedata
from collections import defaultdict
from functools import lru_cache
from typing import Iterable

from pipeline.store.animal_icons import BY_ANIMAL, FALLBACK
from pipeline.store.model import ACCEPTED, Resource

MAX_DRAWS = 10_000


@lru_cache(maxsize=1)
def word_lists() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Sorted, de-duplicated adjectives and animals (sorting keeps draws stable across machines)."""
    from coolname.data import config

    adjectives = tuple(sorted(set(config["adjective"]["words"])))
    animals = tuple(sorted(set(config["animal"]["words"])))
    return adjectives, animals


def icon(animal: str) -> str:
    """The animal's emoji where Unicode has one (e.g. DOLPHIN, FOX FACE), else a relative's
    (animal_icons.py), else paw prints: every nickname has an icon."""
    for name in (animal.upper(), f"{animal.upper()} FACE"):
        try:
            char = unicodedata.lookup(name)
        except KeyError:
            continue
        if ord(char) >= 0x1F000:  # the pictographic planes, not a letter that shares the name
            return char
    return BY_ANIMAL.get(animal.lower(), FALLBACK)


def icon_of(nickname: str) -> str:
    """The icon of an adjective-animal nickname (for stores written before every animal had one)."""
    return icon(nickname.rsplit("-", 1)[-1]) if nickname else ""


def draw(resource_id: str, attempt: int = 0) -> tuple[str, str]:
    """The `attempt`-th candidate nickname and icon for `resource_id`."""
    adjectives, animals = word_lists()
    digest = hashlib.sha256(f"{resource_id}\n{attempt}".encode()).digest()
    number = int.from_bytes(digest[:8], "big")
    adjective = adjectives[number % len(adjectives)]
    animal = animals[(number // len(adjectives)) % len(animals)]
    return f"{adjective}-{animal}", icon(animal)


def assign(resource_id: str, taken: set[str]) -> tuple[str, str]:
    """The first candidate for `resource_id` not in `taken` (collisions re-draw deterministically)."""
    for attempt in range(MAX_DRAWS):
        nickname, emoji = draw(resource_id, attempt)
        if nickname not in taken:
            return nickname, emoji
    raise RuntimeError(f"no free nickname for {resource_id} after {MAX_DRAWS} draws")


def duplicates(resources: Iterable[Resource]) -> dict[str, list[str]]:
    """Nicknames used by more than one accepted resource, with their ids.

    A blocked resource is never published, so its nickname clashes with nothing: the paper-era
    store has accepted resources whose nickname a long-blocked one also holds. (New nicknames
    are still drawn around blocked ones, so a resource unblocked later keeps its own.)"""
    users: dict[str, list[str]] = defaultdict(list)
    for resource in resources:
        if resource.nickname and resource.status == ACCEPTED:
            users[resource.nickname].append(resource.id)
    return {name: sorted(ids) for name, ids in sorted(users.items()) if len(ids) > 1}


def missing(resources: Iterable[Resource]) -> list[str]:
    """Ids of accepted models contributed to the zoo itself that have no nickname (partner
    entries and other resource types need none, as in the paper-era collection)."""
    return [r.id for r in resources if not r.nickname and r.status == ACCEPTED and r.type == "model"
            and not r.source.startswith("partner:")]
