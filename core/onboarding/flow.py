"""Onboarding: role → the role's questions → the program policy → a saved profile.

Progress lives in an `OnboardingSession` that is saved after every answer, so a restart (or a
person who wanders off for a week) resumes at the question they stopped at. Platforms with
forms get the questionnaire in steps that fit their `FormLimits` (each step's answers saved
before the next opens); the others get one question at a time, with `back`, `skip` and
`cancel`. Invalid answers are re-asked with the reason and never overwrite what was given.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from core.content import Choice, Content, Form, FormField, Prompt, Reply, Text, plural
from core.context import Context
from core.domain import OnboardingSession, OnboardingStep, Participant, ParticipantStatus
from core.forms import split_form
from core.programs.answers import InvalidAnswer, describe_answer, parse_text_answer, validate_answer
from core.programs.program import Program, Question, QuestionKind, Role
from core.prompt_ids import PromptId
from core.reminders.planning import plan_onboarding_nudge

ROLE_CHOICES = {
    "mentee": frozenset({Role.MENTEE}),
    "mentor": frozenset({Role.MENTOR}),
    "both": frozenset({Role.MENTOR, Role.MENTEE}),
}
QUESTIONNAIRE_FORM = "questionnaire"
PROFILE_FORM = "profile"
BACK, CANCEL = "back", "cancel"
FLOW_HELP = (
    "Type `back` to change your previous answer, `skip` to leave out an optional question, "
    "or `cancel` to stop for now (your answers are kept)."
)


def roles_from_word(program: Program, word: str) -> frozenset[Role] | None:
    roles = ROLE_CHOICES.get(word.lower())
    if roles is not None and len(roles) == 2 and not program.allow_both_roles:
        return None
    return roles


def role_prompt(ctx: Context) -> Prompt:
    choices = [
        Choice("mentee", "Mentee — I'd like guidance"),
        Choice("mentor", "Mentor — I can guide"),
    ]
    if ctx.program.allow_both_roles:
        choices.append(Choice("both", "Both"))
    return Prompt(
        ctx.prompt_id("role"),
        f"How would you like to take part in *{ctx.program.name}*?",
        tuple(choices),
    )


def policy_prompt(ctx: Context) -> Prompt:
    return Prompt(
        ctx.prompt_id("policy"),
        f"*Before you join: the {ctx.program.name} policy*\n{ctx.program.policy}\n\n"
        "Do you accept it?",
        (Choice("accept", "I accept"), Choice("decline", "Not now")),
    )


def _hint(question: Question) -> str:
    hints = {
        QuestionKind.TEXT: f"Up to {question.text_limit} characters.",
        QuestionKind.TIMEZONE: "An IANA name like Europe/Berlin, or an offset like +05:30.",
        QuestionKind.SCALE: "A whole number from {} to {}.".format(*question.scale_bounds),
    }
    hint = hints.get(question.kind, "")
    if (
        question.kind is QuestionKind.NUMBER
        and question.min is not None
        and question.max is not None
    ):
        hint = f"A number from {question.min:g} to {question.max:g}."
    if question.help:
        hint = f"{question.help} {hint}".strip()
    if not question.required:
        hint = f"{hint} Optional: type `skip` to leave it out.".strip()
    return hint


def ask(ctx: Context, question: Question, position: str = "", current: Any = None) -> Content:
    """One question as a Prompt (choices) or Text (typed answer)."""
    prefix = f"({position}) " if position else ""
    shown = f"\nCurrent answer: {describe_answer(question, current)}" if current is not None else ""
    if question.kind.has_options:
        multiple = question.kind is QuestionKind.MULTI_CHOICE
        hint = None
        if not question.required:
            hint = "Reply with a number, or `skip`." if not multiple else None
        return Prompt(
            ctx.prompt_id("q", question.id),
            f"{prefix}{question.prompt}{shown}",
            tuple(Choice(o.value, o.label) for o in question.options),
            multiple=multiple,
            max_choices=question.max_choices,
            hint=hint,
        )
    return Text(f"{prefix}{question.prompt}{shown}\n_{_hint(question)}_")


def form_for(ctx: Context, form: str, questions: list[Question], values: dict[str, Any]) -> Form:
    fields = tuple(
        FormField(
            id=q.id,
            label=q.prompt,
            kind=q.kind,
            required=q.required,
            options=tuple(Choice(o.value, o.label) for o in q.options),
            max_length=q.text_limit if q.kind is QuestionKind.TEXT else None,
            max_choices=q.max_choices,
            hint=_hint(q) or None,
            initial=values.get(q.id),
        )
        for q in questions
    )
    title = "Your profile" if form == PROFILE_FORM else f"Join {ctx.program.name}"
    return Form(
        ctx.prompt_id("form", form),
        title,
        fields,
        submit_label="Save" if form == PROFILE_FORM else "Next",
    )


def form_steps(ctx: Context, form: Form) -> list[Form]:
    """The form cut into steps that fit this platform's forms."""
    return split_form(form, ctx.port.capabilities.forms)


def next_step(steps: list[Form], answered: set[str] | dict[str, Any]) -> Form | None:
    """The first step with a field not answered yet, showing only those fields."""
    for step in steps:
        missing = tuple(f for f in step.fields if f.id not in answered)
        if missing:
            return dataclasses.replace(step, fields=missing)
    return None


def validate_form(
    questions: list[Question], values: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate every field; return the good values and an error per bad field."""
    good: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in questions:
        raw = values.get(question.id)
        typed = question.kind in (QuestionKind.NUMBER, QuestionKind.SCALE)
        typed = typed or question.kind.has_options  # a select too long for the form: typed
        try:
            if isinstance(raw, str) and typed:
                good[question.id] = parse_text_answer(question, raw)
            else:
                good[question.id] = validate_answer(question, raw)
        except InvalidAnswer as error:
            errors[question.id] = str(error)
    return good, errors


class Onboarding:
    """The onboarding conversation of one program, for one person at a time."""

    async def start(
        self, ctx: Context, participant: Participant | None, role_word: str | None
    ) -> Reply:
        reply = Reply()
        if participant and participant.status in (
            ParticipantStatus.ACTIVE,
            ParticipantStatus.PAUSED,
        ):
            return reply.say(
                f"You're already enrolled in *{ctx.program.name}* as a {participant.role_label}. "
                f"Use `{ctx.command} profile` to see or change your answers, "
                f"or `{ctx.command} status` for your matches."
            )
        if not ctx.state.enrolment_open:
            return reply.say(
                f"Enrolment for *{ctx.program.name}* is closed right now. "
                "Ask a coordinator when the next intake opens."
            )
        roles = roles_from_word(ctx.program, role_word) if role_word else None
        if role_word and roles is None:
            allowed = (
                "mentor, mentee or both" if ctx.program.allow_both_roles else "mentor or mentee"
            )
            reply.say(f"{role_word!r} is not a role here; pick {allowed}.")
        participant = await self._enrol(ctx, participant)
        session = await ctx.uow.onboarding.get(participant.key)
        if session is not None and roles is None:
            reply.say("Welcome back — let's carry on where you left off.")
            return reply.say(*await self.current(ctx, participant, session))
        if session is None:
            session = OnboardingSession(
                participant_id=participant.key,
                step=OnboardingStep.ROLE,
                started_at=ctx.now,
                updated_at=ctx.now,
                draft=dict(participant.answers),
            )
            await plan_onboarding_nudge(ctx.uow, ctx.program, participant, ctx.now)
        reply.say(f"Welcome to *{ctx.program.name}*! {ctx.program.description}".strip())
        if ctx.port.capabilities.forms.text_only:
            reply.say(f"_{FLOW_HELP}_")
        if roles is None:
            session.step = OnboardingStep.ROLE
            await self._save(ctx, session)
            return reply.say(role_prompt(ctx))
        session.roles = roles
        return reply.say(*await self._advance(ctx, participant, session))

    async def _enrol(self, ctx: Context, participant: Participant | None) -> Participant:
        if participant is None:
            return await ctx.uow.participants.add(
                Participant(
                    program_state_id=ctx.state_id,
                    user=ctx.user,
                    display_name=ctx.display_name or ctx.user.user_id,
                    joined_at=ctx.now,
                )
            )
        if participant.status is ParticipantStatus.LEFT:
            participant.status = ParticipantStatus.ONBOARDING
            await ctx.uow.participants.save(participant)
        return participant

    async def _save(self, ctx: Context, session: OnboardingSession) -> None:
        session.updated_at = ctx.now
        await ctx.uow.onboarding.save(session)

    async def current(
        self, ctx: Context, participant: Participant, session: OnboardingSession
    ) -> list[Content]:
        """Re-show the step the person is on (after a restart, a stray message or `cancel`)."""
        if session.step is OnboardingStep.STOPPED:
            session.step = OnboardingStep.QUESTION if session.roles else OnboardingStep.ROLE
            if session.roles and not ctx.port.capabilities.forms.text_only:
                session.step = OnboardingStep.FORM
            await self._save(ctx, session)
        if session.step is OnboardingStep.ROLE:
            return [role_prompt(ctx)]
        if session.step is OnboardingStep.POLICY:
            return [policy_prompt(ctx)]
        if session.step is OnboardingStep.EDIT and session.question_id:
            question = ctx.program.question(session.question_id)
            return [ask(ctx, question, current=participant.answers.get(question.id))]
        return await self._advance(ctx, participant, session)

    async def _advance(
        self, ctx: Context, participant: Participant, session: OnboardingSession
    ) -> list[Content]:
        """Move to the first unanswered question, the form, or the policy."""
        if participant.roles != session.roles:  # so coordinators see who is joining as what
            participant.roles = session.roles
            await ctx.uow.participants.save(participant)
        questions = ctx.program.questions_for(session.roles)
        if not ctx.port.capabilities.forms.text_only and session.step in (
            OnboardingStep.ROLE,
            OnboardingStep.FORM,
        ):
            session.step = OnboardingStep.FORM
            await self._save(ctx, session)
            steps = form_steps(ctx, form_for(ctx, QUESTIONNAIRE_FORM, questions, session.draft))
            # the whole step, prefilled, so what was answered can be reviewed
            step = next(
                (s for s in steps if any(f.id not in session.draft for f in s.fields)), None
            )
            if step is not None:
                return [step]
        pending = [q for q in questions if q.id not in session.draft]
        if pending:
            question = pending[0]
            session.step, session.question_id = OnboardingStep.QUESTION, question.id
            await self._save(ctx, session)
            position = f"{len(questions) - len(pending) + 1}/{len(questions)}"
            return [ask(ctx, question, position)]
        session.step, session.question_id = OnboardingStep.POLICY, None
        await self._save(ctx, session)
        return [policy_prompt(ctx)]

    def takes_text(self, session: OnboardingSession, text: str) -> bool:
        """Whether a typed line belongs to this onboarding (before any prompt it might answer)."""
        expecting = session.step in (OnboardingStep.QUESTION, OnboardingStep.EDIT)
        return expecting or text.strip().lower() in (BACK, CANCEL)

    async def answer_text(
        self, ctx: Context, participant: Participant, session: OnboardingSession, text: str
    ) -> Reply:
        word = text.strip().lower()
        if word == CANCEL:
            return await self.cancel(ctx, participant, session)
        if session.step is OnboardingStep.STOPPED:
            return Reply().say(
                f"You stopped joining *{ctx.program.name}* part-way; your answers are saved. "
                f"Send `{ctx.command} join` to carry on."
            )
        if word == BACK:
            return await self.back(ctx, participant, session)
        question = self._expected_question(ctx, session)
        if question is None:
            return Reply().say(
                "Please use the choices above.", *await self.current(ctx, participant, session)
            )
        try:
            value = parse_text_answer(question, text)
        except InvalidAnswer as error:
            return self._reask(ctx, participant, question, session, str(error))
        return await self._accept(ctx, participant, session, question, value)

    async def cancel(
        self, ctx: Context, participant: Participant, session: OnboardingSession
    ) -> Reply:
        """Stop onboarding (or editing) here, keeping every answer given so far."""
        if session.step is OnboardingStep.EDIT:
            await ctx.uow.onboarding.delete(participant.key)
            return Reply().say(
                "Stopped — your profile is unchanged. "
                f"`{ctx.command} profile` shows it; "
                f"`{ctx.command} profile edit N` changes answer N."
            )
        session.step, session.question_id = OnboardingStep.STOPPED, None
        await self._save(ctx, session)
        answered = len(
            [q for q in ctx.program.questions_for(session.roles) if q.id in session.draft]
        )
        kept = f"your {plural(answered, 'answer')} so far {'is' if answered == 1 else 'are'} saved"
        if not answered:
            kept = "nothing was lost"
        return Reply().say(
            f"Stopped — {kept}. You are *not* enrolled in *{ctx.program.name}* yet. "
            f"Send `{ctx.command} join` whenever you want to carry on where you left off."
        )

    async def back(
        self, ctx: Context, participant: Participant, session: OnboardingSession
    ) -> Reply:
        """Re-ask the question before the current one, showing the answer given to it."""
        if session.step is OnboardingStep.EDIT:
            return Reply().say(
                "There is no previous question while changing one answer; "
                "type a new answer, or `cancel` to keep it as it is."
            )
        questions = ctx.program.questions_for(session.roles)
        ids = [q.id for q in questions]
        if session.step is OnboardingStep.POLICY:
            index = len(questions)
        elif session.step is OnboardingStep.QUESTION and session.question_id in ids:
            index = ids.index(session.question_id)
        else:
            index = 0
        if index == 0 and session.step is not OnboardingStep.QUESTION:
            return Reply().say(
                "There is no question before this one.",
                *await self.current(ctx, participant, session),
            )
        reply = Reply()
        if index == 0:
            reply.say("This is the first question — there is nothing before it.")
        question = questions[max(index - 1, 0)]
        session.step, session.question_id = OnboardingStep.QUESTION, question.id
        await self._save(ctx, session)
        current = session.draft.get(question.id)
        shown = ask(ctx, question, f"{max(index, 1)}/{len(questions)}", current=current)
        if current is None and question.id in session.draft:
            shown = _with_line(shown, "Current answer: (left out)")
        return reply.say(shown)

    async def choose(
        self,
        ctx: Context,
        participant: Participant,
        session: OnboardingSession,
        prompt: PromptId,
        choice_ids: tuple[str, ...],
    ) -> Reply:
        kind = prompt.kind
        if session.step is OnboardingStep.STOPPED:
            return Reply().say(
                f"You stopped joining *{ctx.program.name}* part-way; your answers are saved. "
                f"Send `{ctx.command} join` to carry on."
            )
        if kind == "role" and session.step is OnboardingStep.ROLE:
            roles = roles_from_word(ctx.program, choice_ids[0]) if len(choice_ids) == 1 else None
            if roles is None:
                return Reply().say("Please pick one of the roles.", role_prompt(ctx))
            session.roles = roles
            return Reply(messages=await self._advance(ctx, participant, session))
        if kind == "policy" and session.step is OnboardingStep.POLICY:
            if choice_ids == ("accept",):
                return await self._complete(ctx, participant, session)
            return Reply().say(
                "No problem — you have *not* been enrolled. Your answers are saved: "
                f"send `{ctx.command} join` whenever you're ready to accept the policy."
            )
        question = self._expected_question(ctx, session)
        if kind == "q" and question is not None and prompt.is_about(question.id):
            try:
                value = validate_answer(
                    question,
                    list(choice_ids)
                    if question.kind is QuestionKind.MULTI_CHOICE
                    else (choice_ids[0] if choice_ids else None),
                )
            except InvalidAnswer as error:
                return self._reask(ctx, participant, question, session, str(error))
            return await self._accept(ctx, participant, session, question, value)
        return Reply().say(
            "That question has already been answered.",
            *await self.current(ctx, participant, session),
        )

    def _expected_question(self, ctx: Context, session: OnboardingSession) -> Question | None:
        if session.step in (OnboardingStep.QUESTION, OnboardingStep.EDIT) and session.question_id:
            return ctx.program.question(session.question_id)
        return None

    def _reask(
        self,
        ctx: Context,
        participant: Participant,
        question: Question,
        session: OnboardingSession,
        reason: str,
    ) -> Reply:
        current = (
            participant.answers.get(question.id) if session.step is OnboardingStep.EDIT else None
        )
        return Reply().say(f"⚠️ {reason}", ask(ctx, question, current=current))

    async def _accept(
        self,
        ctx: Context,
        participant: Participant,
        session: OnboardingSession,
        question: Question,
        value: Any,
    ) -> Reply:
        if session.step is OnboardingStep.EDIT:
            participant.answers[question.id] = value
            participant.capacity = _capacity(ctx, participant)
            await ctx.uow.participants.save(participant)
            await ctx.uow.onboarding.delete(participant.key)
            saved = f"Saved. {question.prompt} → {describe_answer(question, value)}"
            return Reply().say(
                "\n".join(filter(None, [saved, await _over_capacity(ctx, participant)]))
            )
        session.draft[question.id] = value
        return Reply(messages=await self._advance(ctx, participant, session))

    async def submit_form(
        self,
        ctx: Context,
        participant: Participant,
        session: OnboardingSession | None,
        form: str,
        values: dict[str, Any],
    ) -> Reply:
        if form == PROFILE_FORM:
            questions = [q for q in ctx.program.questions_for(participant.roles) if q.id in values]
            good, errors = validate_form(questions, values)
            if errors:
                return Reply(form_errors=errors)
            participant.answers.update(good)
            participant.capacity = _capacity(ctx, participant)
            await ctx.uow.participants.save(participant)
            every = ctx.program.questions_for(participant.roles)
            steps = form_steps(ctx, form_for(ctx, PROFILE_FORM, every, participant.answers))
            index = _step_of(steps, values)
            over = await _over_capacity(ctx, participant)
            if 0 <= index < len(steps) - 1:  # the next step; each step is saved on its own
                return Reply().say(*([over] if over else []), steps[index + 1])
            return Reply().say("\n".join(filter(None, ["Your profile is saved.", over])))
        if session is None or session.step is not OnboardingStep.FORM:
            return Reply().say(
                f"That form is no longer open — send `{ctx.command} join` to continue."
            )
        # A form may arrive in pages: validate what was sent, keep it, ask for what is missing.
        questions = ctx.program.questions_for(session.roles)
        good, errors = validate_form([q for q in questions if q.id in values], values)
        session.draft.update(good)
        if errors:
            await self._save(ctx, session)
            return Reply(form_errors=errors)
        await self._save(ctx, session)  # each step's answers are kept before the next opens
        steps = form_steps(ctx, form_for(ctx, QUESTIONNAIRE_FORM, questions, session.draft))
        step = next_step(steps, session.draft)
        if step is not None:
            return Reply().say(step)
        session.step = OnboardingStep.POLICY
        await self._save(ctx, session)
        return Reply().say(policy_prompt(ctx))

    async def _complete(
        self, ctx: Context, participant: Participant, session: OnboardingSession
    ) -> Reply:
        questions = ctx.program.questions_for(session.roles)
        participant.roles = session.roles
        participant.answers = {q.id: session.draft.get(q.id) for q in questions}
        participant.status = ParticipantStatus.ACTIVE
        participant.policy_accepted_at = ctx.now
        participant.capacity = _capacity(ctx, participant)
        await ctx.uow.participants.save(participant)
        await ctx.uow.onboarding.delete(participant.key)
        capacity = ""
        if Role.MENTOR in session.roles:
            capacity = f" You can take up to {plural(participant.capacity, 'mentee')}."
        return Reply().say(
            f"🎉 You're enrolled in *{ctx.program.name}* as a {participant.role_label}.{capacity}\n"
            "When the coordinator runs the next matching round you'll get a private space "
            "with your match. "
            f"`{ctx.command} profile` shows your answers, `{ctx.command} status` your matches, "
            f"`{ctx.command} help` everything else."
        )

    async def edit(self, ctx: Context, participant: Participant, question: Question) -> Reply:
        session = OnboardingSession(
            participant_id=participant.key,
            step=OnboardingStep.EDIT,
            started_at=ctx.now,
            updated_at=ctx.now,
            roles=participant.roles,
            question_id=question.id,
        )
        await ctx.uow.onboarding.save(session)
        return Reply().say(ask(ctx, question, current=participant.answers.get(question.id)))


def _step_of(steps: list[Form], values: dict[str, Any]) -> int:
    """The index of the step whose fields a submission answered (-1 if none)."""
    return next((i for i, s in enumerate(steps) if any(f.id in values for f in s.fields)), -1)


def _with_line(content: Content, line: str) -> Content:
    if isinstance(content, Prompt):
        return dataclasses.replace(content, text=f"{content.text}\n{line}")
    assert isinstance(content, Text)
    return Text(f"{content.body}\n{line}")


async def _over_capacity(ctx: Context, participant: Participant) -> str:
    """What a mentor's new capacity means when it is below the mentees they have now ("" when
    it is not): their matches carry on, and no new mentee comes until there is room."""
    if Role.MENTOR not in participant.roles:
        return ""
    taken = sum(
        len(m.ids(Role.MENTEE))
        for m in await ctx.uow.matches.for_participant(participant.key)
        if participant.key in m.ids(Role.MENTOR)
    )
    limit = participant.capacity
    if taken <= limit:
        return ""
    return (
        f"You have {plural(taken, 'mentee')} now, more than your new limit of {limit}: your "
        "matches carry on until they end, and no new mentee comes to you until a place is free."
    )


def _capacity(ctx: Context, participant: Participant) -> int:
    """How many mentees a participant can take: 0 unless they mentor."""
    if Role.MENTOR not in participant.roles:
        return 0
    return ctx.program.capacity_for(participant.answers)
