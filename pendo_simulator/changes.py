"""Attribute changes at a fixed instant: what a Pendo admin's edits look like to a pipeline that runs twice.

Pendo's entity sources return only the current attributes, so a pipeline sees a change only by reading the same
entity before and after it. With `--attribute-change-at T` (`WorldConfig.attribute_change_at`), a world whose `now`
is at or after T shows these entities changed; a world whose `now` is before T shows them as they were:

- every fifth account (index 0, 5, 10, …) moves to the next plan (`custom.planlevel`);
- every sixth identified visitor (index 0, 6, 12, …) moves to the next role (`custom.role`);
- the first page, the first feature and the first guide are renamed (`RENAMED_SUFFIX`); their `lastUpdatedAt`
  becomes T (an edit in Pendo bumps it).

The change is part of the records the world generates, so the rows, the truth and every endpoint agree. Without the
flag nothing changes. Truth reports it in its `attribute_changes` section.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pendo_simulator.clock import utc_to_ms
from pendo_simulator.vocabulary import PLANS, ROLES

if TYPE_CHECKING:
    from pendo_simulator.records import Account, Feature, Guide, Page, Visitor
    from pendo_simulator.world import World

ACCOUNT_EVERY = 5
VISITOR_EVERY = 6
RENAMED_SUFFIX = " (renamed)"


def change_ms(world: World) -> int | None:
    """The instant of the change (epoch ms), or None when the world has none."""
    at = world.config.attribute_change_at
    return None if at is None else utc_to_ms(at)


def is_applied(world: World) -> bool:
    """Whether the world's `now` is at or after the change: its entities show the changed attributes."""
    at = change_ms(world)
    return at is not None and world.now_ms >= at


def _next(values: tuple[str, ...], value: str) -> str:
    return values[(values.index(value) + 1) % len(values)]


def changes_account(account: Account) -> bool:
    return account.index % ACCOUNT_EVERY == 0


def changes_visitor(visitor: Visitor) -> bool:
    return not visitor.is_anonymous and visitor.index % VISITOR_EVERY == 0


def account(world: World, record: Account) -> Account:
    if not is_applied(world) or not changes_account(record):
        return record
    return replace(record, plan=_next(PLANS, record.plan))


def visitor(world: World, record: Visitor) -> Visitor:
    if not is_applied(world) or not changes_visitor(record):
        return record
    return replace(record, role=_next(ROLES, record.role))


def renamed(world: World, record: Page | Feature | Guide, is_first: bool) -> Any:
    """The first page, feature or guide, renamed and its `updated_ms` moved to the change, once it applies."""
    at = change_ms(world)
    if at is None or not is_applied(world) or not is_first:
        return record
    return replace(record, name=record.name + RENAMED_SUFFIX, updated_ms=max(record.updated_ms, at))


def truth(world: World) -> dict[str, Any]:
    """`attribute_changes`: the instant, whether it applies, and each changed entity's value before and after."""
    at = change_ms(world)
    if at is None:
        return {"at": None, "applied": False, "accounts": [], "visitors": [], "renamed": {}}
    applied = is_applied(world)

    def before_after(before: str, values: tuple[str, ...]) -> dict[str, str]:
        # The world's records hold the value of its own `now`: step back to the earlier value when applied.
        previous = values[(values.index(before) - 1) % len(values)] if applied else before
        return {"before": previous, "after": _next(values, previous)}

    return {
        "at": at,
        "applied": applied,
        "accounts": [
            {"account_id": a.account_id, "field": "planlevel", **before_after(a.plan, PLANS)}
            for a in world.accounts
            if changes_account(a)
        ],
        "visitors": [
            {"visitor_id": v.visitor_id, "field": "role", **before_after(v.role, ROLES)}
            for v in world.visitors
            if changes_visitor(v)
        ],
        "renamed": {
            kind: {"id": record_id, "name": name}
            for kind, record_id, name in (
                ("page", *_first(world.pages, "page_id")),
                ("feature", *_first(world.features, "feature_id")),
                ("guide", *_first(world.guides, "guide_id")),
            )
            if record_id is not None
        },
    }


def _first(records: tuple[Any, ...], id_field: str) -> tuple[str | None, str | None]:
    """The id and current name of the first record (the renamed one), or (None, None) when there is none."""
    return (getattr(records[0], id_field), records[0].name) if records else (None, None)
