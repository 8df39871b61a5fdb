"""``[registration]``: the profile fields ``/register`` asks for, and the consent wording."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, field_validator, model_validator

from bot.config.fields import _check_unique, _issue, _Key, _Model

ProfileFieldType = Literal["text", "email", "country", "year", "choice"]

#: A modal holds 5 components: the first page shows the consent wording and 4 fields, each
#: later page 5 fields; 14 fields make 3 pages.
FIRST_PAGE_FIELDS = 4
PAGE_FIELDS = 5
MAX_FIELDS = 14

#: Discord's limit on a text input's label.
_Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=45)]
_Choice = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
_Consent = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1500)]


class FieldLabel(_Model):
    """A field's label per language (at most 45 characters, Discord's limit)."""

    en: _Label
    zh_CN: _Label | None = None

    def get(self, locale: str | None) -> str:
        """The label in ``locale`` (any ``zh*``), else English."""
        if locale and locale.lower().startswith("zh") and self.zh_CN:
            return self.zh_CN
        return self.en


class ProfileFieldConfig(_Model):
    """One ``[[registration.fields]]`` entry."""

    key: _Key
    label: FieldLabel
    type: ProfileFieldType = "text"
    required: bool = True
    max_length: int = Field(default=100, ge=1, le=1000)
    choices: Annotated[
        tuple[_Choice, ...], AfterValidator(lambda v: tuple(_check_unique(v, "choice")))
    ] = ()

    @model_validator(mode="after")
    def _choices_match_type(self) -> ProfileFieldConfig:
        if self.type == "choice" and not self.choices:
            raise _issue(
                (
                    ("choices",),
                    'is empty: a "choice" field needs its choices',
                    'list the allowed answers, e.g. choices = ["Bachelor", "Master"].',
                )
            )
        if self.type != "choice" and self.choices:
            raise _issue(
                (
                    ("choices",),
                    f'is only for type = "choice" (this field is {self.type!r})',
                    'remove choices, or set type = "choice".',
                )
            )
        return self


class ConsentText(_Model):
    """The consent wording shown on the first page of ``/register``, per language."""

    en: _Consent
    zh_CN: _Consent | None = None

    def get(self, locale: str | None) -> str:
        """The wording in ``locale`` (any ``zh*``), else English."""
        if locale and locale.lower().startswith("zh") and self.zh_CN:
            return self.zh_CN
        return self.en


DEFAULT_CONSENT = ConsentText(
    en=(
        "By submitting this form you agree that the organizers store these answers to run "
        "the competition. Only organizers see them. /privacy export gives you a copy and "
        "/privacy delete erases them."
    ),
    zh_CN=(
        "提交此表单即表示你同意主办方保存这些信息用于举办比赛。只有主办方可以查看。"
        "/privacy export 可下载副本，/privacy delete 可删除。"
    ),
)


class RegistrationSection(_Model):
    """``[registration]``: profile fields (at most 14, three modal pages) and consent."""

    fields: tuple[ProfileFieldConfig, ...] = Field(default=(), max_length=MAX_FIELDS)
    consent: ConsentText = DEFAULT_CONSENT
    #: Stored with each consent, so a changed wording can be told from the old one.
    consent_version: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)
    ] = "1"

    @field_validator("fields")
    @classmethod
    def _unique_keys(cls, fields: tuple[ProfileFieldConfig, ...]) -> tuple[ProfileFieldConfig, ...]:
        first: dict[str, int] = {}
        issues = []
        for index, item in enumerate(fields):
            if item.key in first:
                issues.append(
                    (
                        (index, "key"),
                        f"{item.key!r} is already used by fields[{first[item.key]}]",
                        "give every profile field its own key.",
                    )
                )
            first.setdefault(item.key, index)
        if issues:
            raise _issue(*issues)
        return fields

    def field(self, key: str) -> ProfileFieldConfig:
        """The field with this key. Raises KeyError."""
        for item in self.fields:
            if item.key == key:
                return item
        raise KeyError(key)

    @property
    def pages(self) -> tuple[tuple[ProfileFieldConfig, ...], ...]:
        """The fields of each modal page (page 0 also shows the consent wording)."""
        fields = self.fields
        pages = [fields[:FIRST_PAGE_FIELDS]]
        for start in range(FIRST_PAGE_FIELDS, len(fields), PAGE_FIELDS):
            pages.append(fields[start : start + PAGE_FIELDS])
        return tuple(pages)
