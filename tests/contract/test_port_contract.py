"""What every `ChatPort` must do, checked on each platform's side (see `conftest.PORTS`)."""

from __future__ import annotations

from core.content import Choice, Form, FormField, Prompt, Text
from core.identity import Conversation, ConversationKind
from core.ports import MessageRef
from core.programs.program import QuestionKind
from tests.kit.ports import PortUnderTest

PROMPT = Prompt(
    "contract:prompt:1",
    "Did you meet this week?",
    (Choice("yes", "Yes, we met"), Choice("no", "Not yet")),
)
FORM = Form(
    "contract:form",
    "Tell us about you",
    (
        FormField("bio", "A short bio", QuestionKind.TEXT, max_length=200),
        FormField(
            "languages",
            "Languages you speak",
            QuestionKind.MULTI_CHOICE,
            options=(Choice("en", "English"), Choice("es", "Spanish")),
        ),
    ),
)


async def space_of(chat: PortUnderTest) -> Conversation:
    ana, ben, _ = chat.people
    space = await chat.port.create_space(chat.workspace, "contract-pair", "Ana & Ben", [ana, ben])
    return space.conversation


async def test_send_to_a_person_returns_a_ref_and_shows_the_text(chat: PortUnderTest) -> None:
    dm = Conversation.dm(chat.people[0])
    ref = await chat.port.send(dm, Text("Hello from the contract"))
    assert isinstance(ref, MessageRef)
    assert ref.conversation == dm
    assert ref.message_id
    assert any("Hello from the contract" in text for text in chat.shown(dm))


async def test_send_into_a_space_returns_a_ref_and_shows_the_text(chat: PortUnderTest) -> None:
    where = await space_of(chat)
    assert where.kind is ConversationKind.SPACE
    ref = await chat.port.send(where, Text("Welcome, both of you"))
    assert ref.conversation == where
    assert any("Welcome, both of you" in text for text in chat.shown(where))


async def test_two_sends_give_two_refs(chat: PortUnderTest) -> None:
    dm = Conversation.dm(chat.people[1])
    first = await chat.port.send(dm, Text("one"))
    second = await chat.port.send(dm, Text("two"))
    assert first != second


async def test_update_changes_what_the_message_shows(chat: PortUnderTest) -> None:
    for where in (Conversation.dm(chat.people[0]), await space_of(chat)):
        ref = await chat.port.send(where, PROMPT)
        await chat.port.update(ref, Text("✓ Yes, we met (answered)"))
        assert any("answered" in text for text in chat.shown(where)), where


async def test_a_space_is_created_with_its_members_and_can_change(chat: PortUnderTest) -> None:
    ana, ben, cora = chat.people
    space = await chat.port.create_space(chat.workspace, "contract-group", "Group", [ana, ben])
    assert space.workspace_id == chat.workspace
    assert space.space_id
    assert chat.members(space) == {ana.user_id, ben.user_id}
    await chat.port.add_members(space, [cora])
    assert chat.members(space) == {ana.user_id, ben.user_id, cora.user_id}
    await chat.port.add_members(space, [cora])  # already in: not an error
    await chat.port.remove_members(space, [ben])
    assert chat.members(space) == {ana.user_id, cora.user_id}
    assert not chat.archived(space)
    await chat.port.archive_space(space)
    assert chat.archived(space)


async def test_someone_forgotten_leaves_even_an_archived_space(chat: PortUnderTest) -> None:
    """`forget-me` on a past match: out of its space, and its name and topic lose theirs."""
    ana, ben, _ = chat.people
    space = await chat.port.create_space(
        chat.workspace, "contract-7-ben-ana", "Circle: Ben & Ana", [ana, ben]
    )
    await chat.port.archive_space(space)
    await chat.port.remove_members(space, [ana])
    assert chat.members(space) == {ben.user_id}
    renamed = await chat.port.rename_space(space, "contract-7-ben", "Circle: Ben & someone")
    if renamed is not None:  # None: the platform cannot rename this space
        assert renamed.space_id == space.space_id
        assert "ana" not in renamed.name
    assert chat.archived(space)  # and it stays archived


async def test_creating_a_space_again_by_name_reuses_it(chat: PortUnderTest) -> None:
    ana, ben, _ = chat.people
    first = await chat.port.create_space(chat.workspace, "contract-again", "t", [ana, ben])
    again = await chat.port.create_space(chat.workspace, "contract-again", "t", [ana, ben])
    assert again.space_id == first.space_id


async def test_user_info_has_a_display_name(chat: PortUnderTest) -> None:
    names = [(await chat.port.user_info(person)).display_name for person in chat.people]
    assert names == ["Ana", "Ben", "Cora"]  # the kit's three people on every platform


async def test_a_prompt_shows_its_question_and_every_choice(chat: PortUnderTest) -> None:
    for where in (Conversation.dm(chat.people[0]), await space_of(chat)):
        ref = await chat.port.send(where, PROMPT)
        assert ref.conversation == where
        (text,) = [t for t in chat.shown(where) if "Did you meet this week?" in t]
        assert "Yes, we met" in text
        assert "Not yet" in text


async def test_a_form_sent_as_a_message_shows_its_questions(chat: PortUnderTest) -> None:
    dm = Conversation.dm(chat.people[0])
    await chat.port.send(dm, FORM)  # a form outside an interaction: its text at least
    (shown,) = [text for text in chat.shown(dm) if "Tell us about you" in text]
    assert "A short bio" in shown


async def test_a_send_retried_with_its_idempotency_key_is_shown_once(
    chat: PortUnderTest,
) -> None:
    dm = Conversation.dm(chat.people[2])
    first = await chat.port.send(dm, Text("Check-in reminder"), idempotency_key="reminder:7")
    again = await chat.port.send(dm, Text("Check-in reminder"), idempotency_key="reminder:7")
    assert again == first
    assert sum("Check-in reminder" in text for text in chat.shown(dm)) == 1
    other = await chat.port.send(dm, Text("Check-in reminder"), idempotency_key="reminder:8")
    assert other != first
    assert sum("Check-in reminder" in text for text in chat.shown(dm)) == 2
