"""How a step declares what it asks: each input is a field of a frozen dataclass, and says
how to ask for it (label, hint, kind of answer, who may be chosen, the sentence when it is
missing). The step's form (`incidents.forms.step_form`), the refusal of a missing answer,
the event's recorded details and the timeline's words are all made from this.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar

from django.db import models

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from incidents.models import Case


class Answer(Enum):
    """The kind of answer an input takes, which decides its form field."""

    TEXT = "text"  # a paragraph
    LINE = "line"  # one line of text
    DATE = "date"
    MOMENT = "moment"  # a date and a time, asked as two fields
    CHOICE = "choice"  # one of `choices`
    YES_NO = "yes_no"  # True or False, as two labelled answers
    FLAG = "flag"  # a tick box
    NUMBER = "number"
    PERSON = "person"  # one of `among(case)`
    PEOPLE = "people"  # some of `among(case)`
    CHECKLIST = "checklist"  # which of `choices` are done: {choice: bool}
    DOCUMENT = "document"  # a file (PNG, JPEG or PDF), kept on the case as a `document_kind`


@dataclass(frozen=True)
class Ask:
    """How to ask for one input of a step."""

    label: str
    answer: Answer
    required: bool = True
    missing: str = ""  # the refusal when a required answer is missing ("Give the reasons for the decision.")
    help: str = ""
    choices: type[models.TextChoices] | None = None
    yes_no: tuple[str, str] = ("Yes", "No")
    among: Callable[[Case], QuerySet] | None = None
    initial: Callable[[Case], Any] | None = None
    rows: int = 3
    max_length: int = 10000
    min_value: int | None = None
    max_value: int | None = None
    in_letter: bool = False  # the answer is printed in the letter to the employee, in their words
    # a DOCUMENT's kind on the case (`choices.DocumentKind`), or how to read it from the input
    document_kind: str | Callable[[Any], str] = ""

    @property
    def empty(self) -> Any:
        """The value of this input when nothing is given."""
        return {Answer.TEXT: "", Answer.LINE: "", Answer.CHOICE: "", Answer.FLAG: False, Answer.PEOPLE: (),
                Answer.CHECKLIST: {}}.get(self.answer)


def _input(answer: Answer, label: str, *, required: bool = True, missing: str = "", default: Any = None,
           **options: Any) -> Any:
    ask = Ask(label=label, answer=answer, required=required, missing=missing or f"Enter {label.lower()}.", **options)
    if required:
        return dataclasses.field(default=ask.empty, metadata={"ask": ask})
    empty = ask.empty if default is None else default
    if isinstance(empty, dict):
        return dataclasses.field(default_factory=dict, metadata={"ask": ask})
    return dataclasses.field(default=empty, metadata={"ask": ask})


def text(label: str, **options: Any) -> Any:
    """A paragraph of text."""
    return _input(Answer.TEXT, label, **options)


def line(label: str, *, max_length: int = 200, **options: Any) -> Any:
    return _input(Answer.LINE, label, max_length=max_length, **options)


def day(label: str, **options: Any) -> Any:
    return _input(Answer.DATE, label, **options)


def moment(label: str, **options: Any) -> Any:
    return _input(Answer.MOMENT, label, **options)


def choice(label: str, choices: type[models.TextChoices], **options: Any) -> Any:
    return _input(Answer.CHOICE, label, choices=choices, **options)


def yes_no(label: str, yes: str, no: str, **options: Any) -> Any:
    return _input(Answer.YES_NO, label, yes_no=(yes, no), **options)


def flag(label: str, **options: Any) -> Any:
    return _input(Answer.FLAG, label, required=False, **options)


def number(label: str, **options: Any) -> Any:
    return _input(Answer.NUMBER, label, **options)


def person(label: str, among: Callable[[Case], QuerySet], **options: Any) -> Any:
    return _input(Answer.PERSON, label, among=among, **options)


def people(label: str, among: Callable[[Case], QuerySet], **options: Any) -> Any:
    return _input(Answer.PEOPLE, label, among=among, **options)


def checklist(label: str, choices: type[models.TextChoices], **options: Any) -> Any:
    return _input(Answer.CHECKLIST, label, choices=choices, required=False, **options)


def document(label: str, kind: str | Callable[[Any], str], **options: Any) -> Any:
    """A file kept on the case as a document of `kind` (`choices.DocumentKind`, or a function of
    the step's input giving it): checked and stored privately like evidence by the step runner,
    and recorded with the step by name and hash."""
    return _input(Answer.DOCUMENT, label, document_kind=kind, **options)


def is_empty(value: Any) -> bool:
    return value is None or value == () or value == [] or value == {} or (
        isinstance(value, str) and not value.strip())


@dataclass(frozen=True, kw_only=True)
class StepInput:
    """The input of one step. Subclasses declare their fields with the functions above;
    `incidents.workflow.steps.step` ties a subclass to the one step that takes it."""

    step: ClassVar[str] = ""

    @classmethod
    def asks(cls) -> Iterator[tuple[str, Ask]]:
        """(name, Ask) for each input, in the order the form asks them."""
        for field in dataclasses.fields(cls):
            yield field.name, field.metadata["ask"]

    @classmethod
    def ask(cls, name: str) -> Ask | None:
        """How input `name` is asked, or None if this step has no such input."""
        return dict(cls.asks()).get(name)

    @classmethod
    def example(cls, case: Case) -> StepInput:
        """Valid input for this step on `case` now, for the tests and the letter samples."""
        raise NotImplementedError(f"{cls.__name__} gives no example.")

    def missing(self) -> dict[str, str]:
        """The refusal for each required input left empty, by input."""
        return {name: ask.missing for name, ask in self.asks() if ask.required and is_empty(getattr(self, name))}

    def arguments(self) -> dict[str, Any]:
        """Every input by name, as the letters read them."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}

    def recorded(self) -> dict[str, Any]:
        """What the step's event keeps of its input: every answer given (empty ones left out),
        people by id and name, so the timeline can name them whatever happens to their login."""
        kept: dict[str, Any] = {}
        for name, ask in self.asks():
            value = getattr(self, name)
            if ask.answer == Answer.DOCUMENT or (ask.answer != Answer.FLAG and is_empty(value)):
                continue  # a document is recorded by the step runner once it is stored
            if ask.answer == Answer.PERSON:
                value = person_recorded(value)
            elif ask.answer == Answer.PEOPLE:
                value = [person_recorded(member) for member in value]
            kept[name] = value
        return kept


def person_recorded(user: Any) -> dict[str, Any]:
    from incidents.names import display_name

    return {"id": user.pk, "name": display_name(user)}
