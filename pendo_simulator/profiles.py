"""Named worlds (`--profile NAME`): the sparse and messy subscriptions real Pendo customers have.

Most real subscriptions are not like the default world (two apps, every kind of data, every id known): many never
tag a track event, run no polls, have one app, or keep events on pages and guide steps they have since deleted. Each
profile sets the world's knobs (`WorldConfig`), so `serve` and `truth` given the same profile agree, and
docs/sparse-subscriptions.md says what the pipeline does with each.
"""

from __future__ import annotations

from typing import Any

PROFILES: dict[str, tuple[str, dict[str, Any]]] = {
    "default": ("two apps, every kind of data, every id listed", {}),
    "sparse": (
        "one app, no track types or track events, no polls, aggregated rows without firstTime/lastTime",
        {"apps": 1, "track_events": False, "polls": False, "event_times": False},
    ),
    "empty": ("a new subscription: visitors, accounts, pages and guides, but no events yet", {"events": False}),
    "no-guides": ("no guides, so no guide or poll events", {"guides": 0}),
    "anonymous-only": ("every visitor anonymous (_PENDO_T_...), no accounts on events", {"anonymous_only": True}),
    "orphans": (
        "events on deleted pages and features, on a step removed from its guide, by visitors and accounts the "
        "entity sources do not list",
        {"orphans": True},
    ),
    "drafts": ("draft and staged guides with publishedAt 0 and resetAt 0 (never published)", {"drafts": True}),
    "odd-poll-type": (
        "poll events typed ui:web:pollResponse, with appId null",
        {"odd_poll_type": True},
    ),
}


def profile_settings(name: str) -> dict[str, Any]:
    """The WorldConfig overrides of a profile; a ValueError names the known ones."""
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}: choose one of {', '.join(PROFILES)}")
    return dict(PROFILES[name][1])


def profiles_help() -> str:
    return "\n".join(f"  {name:<15} {description}" for name, (description, _) in PROFILES.items())
