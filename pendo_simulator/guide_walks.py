"""Visitors walking through guides: every guide and poll event, generated once per world from its visits.

A visitor in a guide's audience is shown it at their first visit of the guide's app on or after the publish day
(`_exposures`). Then, step by step: a share is held out as the control group (`guideNotSeen`), a few time out, a few
open it mid-guide from the resource center (so they are not in the closed funnel); on each step they advance
(with a rate that decays along the steps, answering the step's polls first), dismiss, snooze (shown again on a later
visit, `guideSnoozeCanceled`) or just leave (in progress). An advance and the next step's `guideSeen` share the
millisecond, as they often do in Pendo. In a branching guide, some advances from the branch step jump ahead
(`destinationStepId`), so those visitors never see the steps between. When a guide is reset, its held-out visitors
(`guideNotSeen` before the reset) are drawn again at their first visit after it: most are then shown the guide.
Nothing happens after the world's `now`.

Events are materialised for the whole world on first use (about 12 s and 100 MB at 45,000 visitors; a second or
less at test scales) and served by time window with a bisect.
"""

from __future__ import annotations

from collections.abc import Iterator

from pendo_simulator.records import Device, Guide, GuideEvent, GuideStep, PollEvent, Visitor
from pendo_simulator.vocabulary import FREE_TEXT_ANSWERS, GUIDE_EVENT_TYPES
from pendo_simulator.world import World, rng


def walk_all(world: World) -> tuple[tuple[GuideEvent, ...], tuple[PollEvent, ...]]:
    """Every guide event and poll response of the world, each in time order."""
    events: list[GuideEvent] = []
    polls: list[PollEvent] = []
    for guide in world.guides:
        for visitor in world.visitors:
            if guide.app_id in visitor.apps:
                _walk_guide(world, guide, visitor, events, polls)
    order = {t: n for n, t in enumerate(GUIDE_EVENT_TYPES)}
    events.sort(key=lambda e: (e.timestamp, e.guide.index, e.visitor.index, e.step.number, order[e.type]))
    polls.sort(key=lambda e: (e.timestamp, e.guide.index, e.visitor.index, e.poll.poll_id))
    return tuple(events), tuple(polls)


def _exposures(world: World, guide: Guide, visitor: Visitor) -> Iterator[tuple[int, Device]]:
    """Moments the visitor is in the guide's app and could be shown it: their first visit of each day."""
    for day_index in range(guide.publish_day, len(world.days)):
        visits = [v for v in world.visits(visitor.index, day_index) if v.app_id == guide.app_id]
        if visits:
            yield visits[0].first_time, visits[0].device


def _after_reset(
    world: World, guide: Guide, visitor: Visitor, exposures: Iterator[tuple[int, Device]], held_out_at: int
) -> tuple[int, Device] | None:
    """A held-out visitor's first moment in the guide's app after the guide's reset, if it was reset after they were
    held out (None otherwise, or when they do not come back)."""
    if guide.reset_ms is None or held_out_at >= guide.reset_ms:
        return None
    for t, device in exposures:
        if t >= guide.reset_ms:
            return t + rng(world.seed, "after reset", guide.guide_id, visitor.index).randrange(1, 120_000), device
    return None


def _branch_destination(world: World, guide: Guide, visitor: Visitor, step: GuideStep) -> GuideStep | None:
    """The step a branching advance jumps to (about 40% of advances from the branch step), else None."""
    if guide.branch is None or step.number != guide.branch[0] or len(guide.steps) < guide.branch[1]:
        return None
    if rng(world.seed, "branch", guide.guide_id, visitor.index).random() >= 0.4:
        return None
    return guide.steps[guide.branch[1] - 1]


def _walk_guide(world: World, guide: Guide, visitor: Visitor, events: list[GuideEvent], polls: list[PollEvent]) -> None:
    r = rng(world.seed, "walk", guide.guide_id, visitor.index)
    if r.random() >= guide.audience_share:
        return
    exposures = _exposures(world, guide, visitor)
    first = next(exposures, None)
    if first is None:
        return
    t, device = first
    t += r.randrange(1, 120_000)
    reason = "auto" if guide.launch_method == "auto" else "badge"
    ordinal = 0

    def emit(kind: str, step: GuideStep, at: int, destination: GuideStep | None = None) -> None:
        nonlocal ordinal
        if at < world.now_ms:
            seen_reason = reason if kind == "guideSeen" else None
            events.append(GuideEvent(at, kind, guide, step, visitor, device, seen_reason, ordinal, destination))
            ordinal += 1

    if r.random() < guide.control_share:
        emit("guideNotSeen", guide.steps[0], t)
        again = _after_reset(world, guide, visitor, exposures, t)
        if again is None:
            return
        t, device = again
        if rng(world.seed, "held out again", guide.guide_id, visitor.index).random() < guide.control_share:
            emit("guideNotSeen", guide.steps[0], t)
            return
    if r.random() < 0.03:
        emit("guideTimeout", guide.steps[0], t)
        return
    step_index = 1 if len(guide.steps) > 1 and r.random() < 0.04 else 0
    if step_index:
        reason = "launcher"  # opened mid-guide from the resource center: not in the closed funnel
    while step_index < len(guide.steps):
        step = guide.steps[step_index]
        emit("guideSeen", step, t)
        if r.random() < 0.08:
            t += r.randrange(1_000, 600_000)
            emit("guideSeen", step, t)  # shown again, e.g. after a page reload
        if r.random() < 0.2:
            t += r.randrange(500, 30_000)
            emit("guideActivity", step, t)
        t += r.randrange(1_500, 90_000)
        decay = 0.93**step_index
        roll = r.random()
        if roll < guide.advance_rate * decay:
            for poll_id in step.poll_ids:
                poll = next(p for p in guide.polls if p.poll_id == poll_id)
                if r.random() < 0.85 and t < world.now_ms:
                    if poll.kind == "NPSRating":
                        response = str(min(10, max(0, int(r.gauss(7.5, 2.5)))))
                    else:
                        response = r.choice(FREE_TEXT_ANSWERS)
                    polls.append(PollEvent(t, guide, step, poll, visitor, device, response, len(polls)))
            destination = _branch_destination(world, guide, visitor, step)
            emit("guideAdvanced", step, t, destination)
            step_index = destination.number - 1 if destination is not None else step_index + 1
            continue  # the next step is seen at the same millisecond as the advance
        if roll < guide.advance_rate * decay + guide.dismiss_rate:
            emit("guideDismissed", step, t)
            return
        if roll < guide.advance_rate * decay + guide.dismiss_rate + guide.snooze_rate:
            emit("guideSnoozed", step, t)
            later = next(exposures, None)
            if later is None or r.random() < 0.5:
                return
            t, device = later
            t += r.randrange(1, 120_000)
            emit("guideSnoozeCanceled", step, t)
            continue  # shown again on a later day, from the same step
        return  # left without acting: the guide stays in progress
