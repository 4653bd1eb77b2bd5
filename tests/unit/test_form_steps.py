"""Questionnaires cut into steps that fit the platform, and `back`/`cancel` in the text flow."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.clock import ManualClock
from core.content import Form, Prompt
from core.domain import OnboardingSession, OnboardingStep, ParticipantStatus
from core.forms import FormLimits, split_form
from core.ports import Capabilities, Store
from core.programs.program import Program, QuestionKind, load_program
from core.service import MentorBot
from tests.kit import MENTEE_ANSWERS, FakeChat, Harness, enrol

DISCORD_LIKE = FormLimits(
    fields_per_form=5, label_length=45, options_per_select=25, title_length=45
)
LONG_PROMPT = (
    "Thinking about the last year of your working life, what would you most like a mentor "
    "to help you with?"
)
COUNTRIES = [f"country-{n:02d}" for n in range(1, 31)]  # more than a Discord select holds


def _program_yaml() -> str:
    questions = [
        f"  - {{id: q{n:02d}, ask: mentee, kind: text, prompt: 'Question number {n}?'}}"
        for n in range(1, 11)
    ]
    questions.insert(0, f"  - {{id: long, ask: mentee, kind: text, prompt: '{LONG_PROMPT}'}}")
    options = ", ".join(COUNTRIES)
    questions.append(
        f"  - {{id: country, ask: mentee, kind: single_choice, prompt: 'Where do you live?', "
        f"options: [{options}]}}"
    )
    return "\n".join(
        [
            "id: steps",
            "name: Twelve Questions",
            "coordinators: [fake:coordinator]",
            "mode: one_to_one",
            "policy: Be kind.",
            "questions:",
            *questions,
        ]
    )


@pytest.fixture
def twelve(tmp_path: Path) -> Program:
    path = tmp_path / "steps.yaml"
    path.write_text(_program_yaml(), encoding="utf-8")
    program = load_program(path)
    assert len(program.questions) == 12
    return program


async def _session(harness: Harness, name: str, program: str) -> OnboardingSession:
    async with harness.bot.store.transaction() as uow:
        workspace = await uow.workspaces.ensure("fake", "ws1")
        state = await uow.programs.ensure(workspace, program)
        person = await uow.participants.find(state.id, harness.user(name))
        assert person is not None
        session = await uow.onboarding.get(person.key)
    assert session is not None
    return session


async def test_twelve_questions_in_steps_of_five_with_the_draft_saved_after_each(
    memory_store: Store, twelve: Program, clock: ManualClock
) -> None:
    port = FakeChat(caps=Capabilities(forms=DISCORD_LIKE, buttons=True))
    harness = Harness(MentorBot([twelve], memory_store, {"fake": port}, clock), port, clock)
    await harness.say("ana", "/mentor join mentee")
    first = harness.last["ana"]
    assert isinstance(first, Form)
    assert (first.step, first.steps) == (1, 3)
    assert len(first.fields) == 5
    assert "(step 1 of 3)" in Harness.text(await harness.say_reply("ana", "/mentor join"))
    long = first.fields[0]
    assert len(long.label) <= 45
    assert long.label.endswith("…")
    assert long.hint is not None
    assert LONG_PROMPT in long.hint
    assert first.submit_label == "Next"

    values = {f.id: f"answer {f.id}" for f in first.fields}
    second = (await harness.submit("ana", first.id, values)).messages[0]
    assert isinstance(second, Form)
    assert (second.step, second.steps, len(second.fields)) == (2, 3, 5)
    assert set((await _session(harness, "ana", "steps")).draft) == set(values)

    values2 = {f.id: f"answer {f.id}" for f in second.fields}
    third = (await harness.submit("ana", second.id, values2)).messages[0]
    assert isinstance(third, Form)
    assert (third.step, third.steps, len(third.fields)) == (3, 3, 2)
    assert third.submit_label == "Next"  # the questionnaire's own label: the policy follows
    assert set((await _session(harness, "ana", "steps")).draft) == set(values) | set(values2)
    country = next(f for f in third.fields if f.id == "country")
    assert country.kind is QuestionKind.TEXT  # 30 options: typed instead of a select
    assert country.hint is not None
    assert "30. country-30" in country.hint

    bad = await harness.submit("ana", third.id, {"q10": "x", "country": "Atlantis"})
    assert "country" in bad.form_errors
    assert (await _session(harness, "ana", "steps")).draft["q10"] == "x"  # kept despite the error
    policy = (await harness.submit("ana", third.id, {"country": "30"})).messages[0]
    assert isinstance(policy, Prompt)
    await harness.click("ana", "accept")
    async with harness.bot.store.transaction() as uow:
        state = await uow.programs.ensure(await uow.workspaces.ensure("fake", "ws1"), "steps")
        ana = await uow.participants.find(state.id, harness.user("ana"))
    assert ana is not None
    assert ana.status is ParticipantStatus.ACTIVE
    assert ana.answers["country"] == "country-30"
    assert ana.answers["q01"] == "answer q01"


def test_split_keeps_every_field_once_in_order_within_the_limits(twelve: Program) -> None:
    from core.content import Choice, FormField

    fields = tuple(
        FormField(
            q.id, q.prompt, q.kind, options=tuple(Choice(o.value, o.label) for o in q.options)
        )
        for q in twelve.questions
    )
    form = Form(
        "steps:form:questionnaire", "A title much longer than forty-five characters!", fields
    )
    steps = split_form(form, DISCORD_LIKE)
    assert [f.id for s in steps for f in s.fields] == [f.id for f in fields]
    assert all(len(s.fields) <= 5 and len(s.title) <= 45 for s in steps)
    assert all(len(f.label) <= 45 and len(f.options) <= 25 for s in steps for f in s.fields)
    assert [s.step for s in steps] == [1, 2, 3]
    assert len(split_form(form, FormLimits())) == 2  # Slack-like: ten fields a step


async def test_back_reasks_the_previous_question_with_its_answer(harness: Harness) -> None:
    welcome = await harness.say("ana", "/mentor join mentee")
    assert "`back`" in welcome
    assert "`cancel`" in welcome
    assert "`skip`" in welcome
    await harness.say("ana", MENTEE_ANSWERS[0])
    await harness.say("ana", "Lead a team.")
    back = await harness.say("ana", "back")
    assert "(2/9) What do you want to achieve" in back
    assert "Current answer: Lead a team." in back
    back = await harness.say("ana", "back")
    assert "(1/9) What would you like guidance on?" in back
    assert "Current answer: Career growth, Leadership" in back
    first = await harness.say("ana", "back")
    assert "This is the first question" in first
    changed = await harness.say("ana", "3")  # a new answer to question 1 ...
    assert "(3/9)" in changed  # ... and on to the first question not answered yet
    session = await _session(harness, "ana", "mentoring")
    assert session.draft["topics_wanted"] == ["public-speaking"]
    assert session.draft["goals"] == "Lead a team."


async def test_cancel_stops_keeps_the_answers_and_join_carries_on(harness: Harness) -> None:
    await harness.say("ana", "/mentor join mentee")
    await harness.say("ana", "1, 2")
    stopped = await harness.say("ana", "cancel")
    assert "Stopped — your 1 answer so far is saved" in stopped
    assert "`/mentor join`" in stopped
    session = await _session(harness, "ana", "mentoring")
    assert session.step is OnboardingStep.STOPPED
    assert session.draft == {"topics_wanted": ["career", "leadership"]}
    later = await harness.say("ana", "Lead a team.")
    assert "You stopped joining" in later  # not taken as an answer
    assert (await _session(harness, "ana", "mentoring")).draft == session.draft
    again = await harness.say("ana", "/mentor join")
    assert "carry on where you left off" in again
    assert "(2/9) What do you want to achieve" in again
    await harness.say("ana", "Lead a team.")
    assert (await _session(harness, "ana", "mentoring")).draft["goals"] == "Lead a team."


async def test_cancel_while_editing_one_answer_changes_nothing(harness: Harness) -> None:

    await enrol(harness, "ana")
    await harness.say("ana", "/mentor profile edit 5")
    assert "no previous question" in await harness.say("ana", "back")
    assert "your profile is unchanged" in await harness.say("ana", "cancel")
    assert "only understand commands" in await harness.say("ana", "Atlantis")
