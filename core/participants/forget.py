"""`forget-me`: delete what the bot stores about a person, in every program of the workspace.

The profile becomes an anonymous placeholder (`PrivacyRepository.forget`), so the matches the
person was in stay whole for the others, for the no-repeat rule and for statistics. Their name
leaves match explanations and the names and topics of match spaces; the bot takes them out of
the spaces it made; their active matches end and the other members are told, as when someone
leaves.
"""

from __future__ import annotations

import dataclasses
import logging
import re

from core.content import Choice, Prompt, Reply, plain, plural
from core.context import Context
from core.domain import FORGOTTEN_NAME, MatchRecord, MatchStatus, Participant
from core.identity import Conversation, PlatformUser, SpaceRef
from core.participants.leaving import withdraw
from core.ports import ChatPort
from core.programs.program import Program, Role
from core.prompt_ids import PromptId
from core.reminders.messages import conversation_recipient

log = logging.getLogger(__name__)

KIND = "forget"
EVERYTHING = (MatchStatus.ACTIVE, MatchStatus.ENDED)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def without_names(space_name: str, names: set[str]) -> str:
    """A space name (`mentoring-7-ana-ben`, as `rounds.flow.space_name` makes it) without the
    words of `names`; the program and match number keep it unique."""
    for name in sorted({_slug(n) for n in names if _slug(n)}, key=len, reverse=True):
        space_name = re.sub(rf"-{re.escape(name)}(?=-|$)", "", space_name)
    return space_name


async def forget_me(ctx: Context, args: tuple[str, ...]) -> Reply:
    """Ask first: the answer comes back as a `forget` prompt of a program they are in."""
    people = await ctx.uow.participants.everywhere(ctx.user)
    if not people:
        return Reply(private=True).say("I store nothing about you here.")
    states = [await ctx.uow.programs.get(p.program_state_id) for p in people]
    keys = [state.program_key for state in states if state is not None]
    programs = plural(len(people), "program")
    question = (
        f"Delete everything I store about you in {programs} here — your profile, answers, "
        "goals and feedback comments? Your active matches end (the others are told) and I take "
        "you out of your match spaces. This cannot be undone."
    )
    prompt_id = PromptId(keys[0] if keys else ctx.program.id, KIND).encode()
    choices = (Choice("yes", "Yes, delete everything"), Choice("no", "No, keep it"))
    return Reply(private=True).say(Prompt(prompt_id, question, choices))


async def confirm_forget(ctx: Context, participant: Participant, choice: tuple[str, ...]) -> Reply:
    if choice != ("yes",):
        return Reply().say("Nothing was deleted.")
    user = ctx.user
    people = await ctx.uow.participants.everywhere(user)
    names = {n for p in people for n in (p.display_name, p.safe_name)}
    if ctx.display_name:
        names.add(ctx.display_name)
    spaces: list[tuple[SpaceRef, str]] = []
    for person in people:
        here = await _context_of(ctx, person)
        for match in await ctx.uow.matches.for_participant(person.key, EVERYTHING):
            renamed = await _rename(here, match, person, names)
            if renamed is not None:
                spaces.append(renamed)
    # Registered before `withdraw` plans archiving: a platform refuses changes to an archived space.
    _leave_spaces(ctx, user, spaces)
    recipients = [conversation_recipient(Conversation.dm(user))]
    for person in people:
        await withdraw(await _context_of(ctx, person), person)
        await ctx.uow.privacy.forget(
            person.key,
            user=user,
            recipients=recipients,
            names=sorted(names),
            replacement=FORGOTTEN_NAME,
            at=ctx.now,
        )
    return Reply().say(
        f"Done — I deleted everything I stored about you in {plural(len(people), 'program')}: "
        "your profile, answers, goals and feedback comments. The matches you were in stay in "
        f"the records as “{FORGOTTEN_NAME}”, so the others' history is unchanged. "
        f"Thank you for taking part! `{ctx.command} join` starts afresh, should you ever "
        "want to."
    )


async def _context_of(ctx: Context, person: Participant) -> Context:
    """`ctx` for the program of one of the person's profiles (its state and definition)."""
    if person.program_state_id == ctx.state_id:
        return ctx
    state = await ctx.uow.programs.get(person.program_state_id)
    program: Program = ctx.program
    if state is not None and state.program_key in ctx.services.programs:
        program = ctx.services.programs[state.program_key]
    return dataclasses.replace(ctx, program=program, state=state or ctx.state)


async def _rename(
    ctx: Context, match: MatchRecord, person: Participant, names: set[str]
) -> tuple[SpaceRef, str] | None:
    """Take the person's name out of the match's space name (stored now, on the platform after
    the commit); the space and the topic the others keep."""
    space = match.space
    if space is None:
        return None
    others = []
    for member in [*match.ids(Role.MENTOR), *match.ids(Role.MENTEE)]:
        if member != person.key and (other := await ctx.uow.participants.get(member)):
            others.append(other.safe_name)
    topic = plain(f"{ctx.program.name}: " + " & ".join([*others, FORGOTTEN_NAME]))
    renamed = dataclasses.replace(space, name=without_names(space.name, names))
    if renamed.name != space.name:
        match.space = renamed
        await ctx.uow.matches.save(match)
    return renamed, topic


def _leave_spaces(ctx: Context, user: PlatformUser, spaces: list[tuple[SpaceRef, str]]) -> None:
    """After the commit: out of each space the bot made, whose name and topic lose theirs."""
    ports = ctx.services.ports

    async def leave() -> Reply:
        failed = 0
        for space, topic in spaces:
            port: ChatPort | None = ports.get(space.platform)
            if port is None:
                failed += 1
                continue
            try:
                await port.remove_members(space, [user])
                await port.rename_space(space, space.name, topic)
            except Exception:
                log.warning("forget-me: could not update a match space", exc_info=True)
                failed += 1
        if not failed:
            return Reply()
        return Reply().say(
            f"I could not take you out of {plural(failed, 'match space')} (the platform "
            "refused); a coordinator can remove you by hand."
        )

    if spaces:
        ctx.after_commit(leave)
