"""Matching rounds in chat: who is in the pool, preview, commit, and opening a match's space.

Committing is safe to retry. Matches of a round are inserted in one transaction with unique
idempotency keys; each match then gets its space and introduction in short transactions of
its own (never one long lock while a platform creates channels). A commit that finds matches
without a space or an introduction finishes those first, and spaces are created by name, which
adapters treat idempotently, so a crash halfway never gives a match two spaces.

Introductions and the notes to people left unmatched go through the outbox
(`core.reminders.messages`): written in the transaction that decides them, keyed by the match or
the cycle and person, delivered right after and retried by the dispatcher when a send fails.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from core.clock import Clock
from core.content import Text, listing, plain, plural, user_text
from core.domain import (
    Cycle,
    MatchMember,
    MatchRecord,
    Participant,
    ParticipantStatus,
)
from core.identity import Conversation
from core.matching import Candidate, MatchInput, MatchResult, match
from core.matching.explain import about_pair, reason_about
from core.ports import ChatPort, MessageRef, Store, UnitOfWork, command_on
from core.programs.program import Program, Role
from core.reminders.messages import Outbox, message, plan_messages
from core.reminders.outbox import Reminder
from core.reminders.planning import plan_match_start

log = logging.getLogger(__name__)
CHUNK = 1000  # people handled between two yields to the event loop (large programs)
# match spaces a commit opens at once: creating a room costs a platform several round trips
SPACES_AT_ONCE = 5


@dataclass(frozen=True, slots=True)
class Pool:
    """A program's matching input, with the participants behind the candidate ids."""

    data: MatchInput
    people: Mapping[str, Participant]


async def build_pool(uow: UnitOfWork, program: Program, state_id: int, now: datetime) -> Pool:
    """Everyone who can be matched now, with their remaining capacity; others get a reason."""
    people = await uow.participants.list(state_id)
    active = await uow.matches.list(state_id)
    matched_mentees = {pid for m in active for pid in m.ids(Role.MENTEE)}
    load: Counter[int] = Counter()
    for m in active:
        for mentor in m.ids(Role.MENTOR):
            load[mentor] += len(m.ids(Role.MENTEE))
    candidates: list[Candidate] = []
    unavailable: dict[str, str] = {}
    names: dict[str, str] = {}
    for number, person in enumerate(people, start=1):
        if number % CHUNK == 0:
            await asyncio.sleep(0)  # large programs: let the adapters answer meanwhile
        pid = str(person.key)
        names[pid] = person.safe_name
        if person.status is ParticipantStatus.LEFT:
            continue
        if person.status is ParticipantStatus.ONBOARDING:
            unavailable[pid] = "You haven't finished joining yet, so you weren't in this round."
            continue
        if person.is_paused(now):
            until = f" until {person.paused_until:%d %b}" if person.paused_until else ""
            unavailable[pid] = f"You are paused{until}, so you weren't in this round."
            continue
        roles = set(person.roles)
        if person.key in matched_mentees:
            roles.discard(Role.MENTEE)
        remaining = max(0, person.capacity - load[person.key]) if Role.MENTOR in roles else 0
        if Role.MENTOR in roles and remaining == 0 and load[person.key]:
            roles.discard(Role.MENTOR)  # full: not an idle mentor, just busy
        if roles:
            candidates.append(Candidate(pid, frozenset(roles), remaining, person.answers))
    history = {(str(a), str(b)) for a, b in await uow.matches.pairs(state_id)}
    declined = {(str(a), str(b)) for a, b in await uow.requests.declined_pairs(state_id)}
    data = MatchInput(
        program=program,
        candidates=candidates,
        at=now,
        history=frozenset(history),
        declined=frozenset(declined),
        unavailable=unavailable,
        names=names,
    )
    return Pool(data, {str(p.key): p for p in people})


async def run_engine(pool: Pool, executor: Executor | None = None) -> MatchResult:
    """Run the CPU-bound engine off the event loop.

    The default is a thread; the bot passes a worker process, because OR-Tools' flow solver
    holds the GIL for the whole solve (about 0.2 s on B1) and would stall every adapter. The
    candidates then travel as a few small pickles made between yields to the loop: pickling
    a whole B1 pool at once would itself hold the GIL for ~0.15 s.
    """
    loop = asyncio.get_running_loop()
    if not isinstance(executor, ProcessPoolExecutor):
        return await loop.run_in_executor(executor, match, pool.data)
    data, chunks = pool.data, []
    for start in range(0, len(data.candidates), CHUNK):
        part = data.candidates[start : start + CHUNK]
        rows = [(c.id, [r.value for r in c.roles], c.capacity, dict(c.answers)) for c in part]
        chunks.append(pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL))
        await asyncio.sleep(0)
    light = replace(data, candidates=())
    return await loop.run_in_executor(executor, match_encoded, light, chunks)


def match_encoded(data: MatchInput, chunks: Sequence[bytes]) -> MatchResult:
    """The worker's side of `run_engine`: rebuild the candidates, then match."""
    candidates = [
        Candidate(cid, frozenset(Role(r) for r in roles), capacity, answers)
        for chunk in chunks
        for cid, roles, capacity, answers in pickle.loads(chunk)
    ]
    return match(replace(data, candidates=candidates))


def render_preview(program: Program, pool: Pool, result: MatchResult, command: str) -> str:
    mentees = sum(1 for c in pool.data.candidates if Role.MENTEE in c.roles)
    share = f" ({100 * result.matched // mentees}%)" if mentees else ""
    proof = "proven optimal" if result.optimality.proven else f"gap {result.optimality.gap:.2%}"
    lines = [
        f"*Match preview — {program.name}* (nothing has changed yet)",
        f"{result.matched} of {plural(mentees, 'mentee')} matched{share} · total score "
        f"{result.total_score:g} · {proof}",
    ]
    for number, found in enumerate(result.matches, start=1):
        names = " & ".join(_names(pool, found.mentors) + _names(pool, found.mentees))
        lines.append(f"{number}. {names} — score {found.score:g}")
        words = list(found.explanation)
        if len(found.mentees) == 1 and len(found.mentors) == 1:  # a pair: name the mentee
            words = about_pair(words, _names(pool, found.mentees)[0])
        lines.append(f"    {'; '.join(words)}")
    if result.unmatched:
        lines.append("*Not matched*")
        for person in result.unmatched:
            who = _names(pool, (person.id,))[0]
            lines.append(f"• {who}: {reason_about(person.reason, who)}")
    if result.matches:
        lines.append(f"Send `{command} admin match commit` to create these matches.")
    return "\n".join(lines)


def _names(pool: Pool, ids: Sequence[str]) -> list[str]:
    return [pool.people[i].safe_name if i in pool.people else i for i in ids]


def match_key(state_id: int, cycle: int, mentors: Sequence[str], mentees: Sequence[str]) -> str:
    return f"round:{state_id}:{cycle}:{'+'.join(mentors)}:{'+'.join(mentees)}"


async def record_round(
    uow: UnitOfWork, program: Program, state_id: int, now: datetime, result: MatchResult
) -> list[MatchRecord]:
    """Start the next cycle and insert its matches (one transaction, idempotent keys).

    A mentee matched meanwhile (a mentor accepted their request while the engine ran) keeps
    that match; the round's pair for them is dropped rather than matching them twice.
    """
    taken = {pid for m in await uow.matches.list(state_id) for pid in m.ids(Role.MENTEE)}
    current = await uow.cycles.current(state_id)
    number = (current.number if current else 0) + 1
    cycle = await uow.cycles.add(
        Cycle(0, state_id, number, now, now + timedelta(days=program.cycle.length_days))
    )
    records = []
    for found in result.matches:
        if taken.intersection(int(i) for i in found.mentees):
            continue
        members = tuple(
            [MatchMember(int(i), Role.MENTOR) for i in found.mentors]
            + [MatchMember(int(i), Role.MENTEE) for i in found.mentees]
        )
        records.append(
            await uow.matches.add(
                MatchRecord(
                    program_state_id=state_id,
                    cycle_id=cycle.id,
                    members=members,
                    score=found.score,
                    explanation=list(found.explanation),
                    created_at=now,
                    idempotency_key=match_key(state_id, number, found.mentors, found.mentees),
                    ends_at=cycle.ends_at,
                )
            )
        )
    return records


def space_name(program: Program, match_id: int, people: Sequence[Participant]) -> str:
    """A readable, deterministic name: `mentoring-7-ben-ana` (adapters enforce platform rules)."""
    words = [re.sub(r"[^a-z0-9]+", "-", p.display_name.lower()).strip("-") for p in people]
    return "-".join([program.id, str(match_id), *[w for w in words if w]])[:80]


def introduction(program: Program, match: MatchRecord, people: Mapping[int, Participant]) -> str:
    mentors = [people[i] for i in match.ids(Role.MENTOR) if i in people]
    mentees = [people[i] for i in match.ids(Role.MENTEE) if i in people]
    everyone = listing([p.safe_name for p in [*mentors, *mentees]])
    lines = [f"👋 Welcome, {everyone}! You're matched in *{program.name}*."]
    for person in [*mentors, *mentees]:
        role = "mentor" if person in mentors else "mentee"
        bio = person.answers.get("bio")
        about = f": {user_text(bio, limit=300)}" if isinstance(bio, str) and bio else ""
        lines.append(f"• *{person.safe_name}* — {role}{about}")
    if match.explanation:
        lines.append(f"*Why you were matched:* {'; '.join(match.explanation)}.")
    lines.append(f"*What we ask of you:*\n{program.policy}")
    lead = mentees[0].safe_name if mentees else "Mentees"
    lines.append(
        "*Suggested first steps:*\n"
        "1. Say hello and tell each other a little about yourselves.\n"
        f"2. {lead}, share what you hope to get out of this cycle.\n"
        "3. Agree how and when you'll meet for the first time."
    )
    return "\n".join(lines)


def introduction_key(match_id: int) -> str:
    return f"intro:{match_id}"


async def open_space(
    store: Store,
    ports: Mapping[str, ChatPort],
    program: Program,
    match_id: int,
    now: datetime,
    outbox: Outbox | None = None,
) -> bool:
    """Create the match's space and plan its introduction, each step recorded on its own.

    The introduction is written to the outbox in the transaction that marks the match
    introduced (and starts its reminders), then delivered through `outbox`. Returns False
    when the match no longer needs it (already introduced, or gone).
    """
    async with store.transaction() as uow:
        record = await uow.matches.get(match_id)
        if record is None or record.introduced_at is not None:
            return False
        people = {}
        for member in record.members:
            person = await uow.participants.get(member.participant_id)
            if person is not None:
                people[member.participant_id] = person
    if not people:
        return False
    ordered = [people[i] for i in record.ids(Role.MENTOR) + record.ids(Role.MENTEE) if i in people]
    first = ordered[0].user
    port = ports[first.platform]
    space = record.space
    if space is None:
        # a topic is plain text on every platform: names as typed, no markup
        topic = plain(f"{program.name}: " + " & ".join(p.safe_name for p in ordered))
        space = await port.create_space(
            first.workspace_id,
            space_name(program, match_id, ordered),
            topic,
            [p.user for p in ordered],
            binding=program.bindings.get(first.platform),
        )
        async with store.transaction() as uow:
            fresh = await uow.matches.get(match_id)
            if fresh is not None and fresh.space is None:
                fresh.space = space
                await uow.matches.save(fresh)
    intro = message(
        record.program_state_id,
        space.conversation,
        Text(introduction(program, record, people)),
        introduction_key(match_id),
        now,
        match_id=match_id,
    )
    async with store.transaction() as uow:
        fresh = await uow.matches.get(match_id)
        if fresh is not None and fresh.introduced_at is None:
            fresh.introduced_at = now
            await uow.matches.save(fresh)
            await plan_messages(uow.reminders, [intro])
            await plan_match_start(uow, program, fresh, now)
    if outbox is not None:
        await outbox.flush([intro.idempotency_key])
    return True


class Progress:
    """One progress message that is updated as work goes on."""

    def __init__(self, port: ChatPort, where: Conversation) -> None:
        self._port, self._where = port, where
        self._message: MessageRef | None = None

    async def show(self, text: str) -> None:
        """Best effort: a progress message that cannot be shown never stops the work."""
        try:
            if self._message is None:
                self._message = await self._port.send(self._where, Text(text))
            else:
                await self._port.update(self._message, Text(text))
        except Exception:
            log.warning("could not show progress on %s", self._port.platform, exc_info=True)


class Rounds:
    """Matching rounds of every program: preview, commit (or finish an interrupted one)."""

    def __init__(
        self,
        store: Store,
        ports: Mapping[str, ChatPort],
        clock: Clock,
        executor: Executor | None = None,
        *,
        outbox: Outbox | None = None,
    ) -> None:
        self.store, self.ports, self.clock = store, ports, clock
        self.executor = executor
        self.outbox = outbox or Outbox()

    async def preview(self, program: Program, state_id: int, command: str) -> str:
        """The proposed round, for a coordinator who types `command` on their platform."""
        async with self.store.transaction() as uow:
            pool = await build_pool(uow, program, state_id, self.clock.now())
        result = await run_engine(pool, self.executor)
        return render_preview(program, pool, result, command)

    async def commit(
        self, program: Program, state_id: int, progress: Progress | None, command: str
    ) -> str:
        """Finish an interrupted commit, or run a round: record it, open spaces, tell everyone.

        `command` is the coordinator's (the summary is theirs); each unmatched person is told
        with the command of their own platform."""
        async with self.store.transaction() as uow:
            unfinished = [m.key for m in await uow.matches.list(state_id) if not m.introduced_at]
        if unfinished:
            for match_id in unfinished:
                await self.open_space(program, match_id)
            return (
                f"Finished {plural(len(unfinished), 'match', 'matches')} left over from an "
                f"interrupted commit. Run `{command} admin match commit` again for a new "
                "round."
            )
        async with self.store.transaction() as uow:
            pool = await build_pool(uow, program, state_id, self.clock.now())
        result = await run_engine(pool, self.executor)
        if not result.matches:
            return "No new matches could be formed this round.\n" + render_preview(
                program, pool, result, command
            )
        async with self.store.transaction() as uow:
            now = self.clock.now()
            records = await record_round(uow, program, state_id, now, result)
            round_id = str(records[0].cycle_id) if records else f"{now:%Y%m%d%H%M%S}"
            notes = await plan_messages(
                uow.reminders, self._unmatched_notes(program, state_id, pool, result, round_id, now)
            )
        total = len(records)
        if progress:
            await progress.show(f"⏳ Opening private spaces: 0/{total}")
        slots, done = asyncio.Semaphore(SPACES_AT_ONCE), 0

        async def opened(record: MatchRecord) -> None:
            nonlocal done
            async with slots:
                await self.open_space(program, record.key)
            done += 1
            if progress and (done == total or done % 10 == 0):
                await progress.show(f"⏳ Opening private spaces: {done}/{total}")

        await asyncio.gather(*(opened(record) for record in records))
        await self.outbox.flush(notes)
        each = "each with" if total > 1 else "with"
        left_out = (
            f"{plural(len(result.unmatched), 'person', 'people')} told why they weren't matched"
            if result.unmatched
            else "everyone in the round was matched"
        )
        return (
            f"✅ Round committed: {plural(total, 'match', 'matches')}, {each} a private space "
            f"and an introduction; {left_out}."
        )

    def _unmatched_notes(
        self,
        program: Program,
        state_id: int,
        pool: Pool,
        result: MatchResult,
        round_id: str,
        now: datetime,
    ) -> list[Reminder]:
        """A note to each person left out, saying why (outbox rows, keyed per round)."""
        notes = []
        for person in result.unmatched:
            participant = pool.people.get(person.id)
            if participant is None:
                continue
            command = command_on(self.ports, participant.user.platform)
            text = (
                f"The *{program.name}* matching round has run, and you weren't matched this "
                f"time. {person.reason} You stay on the waiting list for the next round; "
                f"`{command} profile` lets you review your answers."
            )
            notes.append(
                message(
                    state_id,
                    Conversation.dm(participant.user),
                    Text(text),
                    f"unmatched:{state_id}:{round_id}:{participant.key}",
                    now,
                    participant_id=participant.key,
                )
            )
        return notes

    async def open_space(self, program: Program, match_id: int) -> None:
        await open_space(self.store, self.ports, program, match_id, self.clock.now(), self.outbox)


__all__ = [
    "Pool",
    "Progress",
    "Rounds",
    "build_pool",
    "introduction",
    "open_space",
    "record_round",
    "render_preview",
    "run_engine",
    "space_name",
]
