"""The errors of registration and eligibility, each with the reply members see."""

from __future__ import annotations

from bot.errors import PodiumError
from bot.i18n import N_


class NoProfileFields(PodiumError):
    message = N_("This competition asks for no profile: there is nothing to register.")


class AnswerRequired(PodiumError):
    message = N_("{field}: this answer is required.")


class AnswerTooLong(PodiumError):
    message = N_("{field}: at most {max} characters, yours has {length}.")


class BadEmail(PodiumError):
    message = N_("{field}: that is not an e-mail address. Write it like name@example.com.")


class BadCountry(PodiumError):
    message = N_(
        "{field}: no country or region is called {value}. Write its name or its two-letter "
        "code, e.g. China, CN or GB."
    )


class BadYear(PodiumError):
    message = N_("{field}: write a year from {min} to {max}, e.g. 2027.")


class BadChoice(PodiumError):
    message = N_("{field}: choose one of: {choices}.")


class AnswerHasMention(PodiumError):
    message = N_("{field}: answers cannot contain mentions, links or line breaks.")


class UnknownPage(PodiumError):
    message = N_("That registration page no longer exists. Run /register again.")


class RegisterFirstPage(PodiumError):
    message = N_("Fill in the first page of /register first: it holds the consent.")


class NoProfile(PodiumError):
    message = N_("You have not registered yet. Use /register.")


# -- eligibility ---------------------------------------------------------------------------


class UnknownTrack(PodiumError):
    message = N_("There is no track {track}. Choose one of: {tracks}.")


class TrackOpenToAll(PodiumError):
    message = N_("Everyone may enter the {track} track: there is nothing to prove.")


class NoEmailRoute(PodiumError):
    message = N_(
        "The {track} track does not accept e-mail codes. Upload a proof with /eligibility proof."
    )


class NoProofRoute(PodiumError):
    message = N_(
        "The {track} track does not accept uploaded proofs. Use /eligibility email with an "
        "address at: {domains}."
    )


class DomainNotAllowed(PodiumError):
    message = N_("{email} is not at an allowed domain for {track}. Allowed: {domains}.")


class InvalidEmail(PodiumError):
    message = N_("That is not an e-mail address. Write it like name@university.edu.")


class EmailDisabled(PodiumError):
    message = N_(
        "E-mail codes are not set up on this server. Ask an organizer, or upload a proof "
        "with /eligibility proof."
    )


class AlreadyEligible(PodiumError):
    message = N_("You are already eligible for the {track} track.")


class CodeTooSoon(PodiumError):
    message = N_("A code was just sent. You can ask for another one in {seconds} seconds.")


class TooManyCodes(PodiumError):
    message = N_("You asked for {max} codes in the last hour. Please try again later.")


class MailNotSent(PodiumError):
    message = N_(
        "The e-mail could not be sent right now. Check the address and try again in a few minutes."
    )


class NoPendingCode(PodiumError):
    message = N_("There is no code waiting for you. Start with /eligibility email.")


class CodeExpired(PodiumError):
    message = N_("That code has expired. Run /eligibility email again for a new one.")


class TooManyAttempts(PodiumError):
    message = N_("Too many wrong codes. Run /eligibility email again for a new one.")


class WrongCode(PodiumError):
    message = N_("That code is not right. {remaining} attempts left.")


class BadProofFile(PodiumError):
    message = N_("Upload the proof as an image or a PDF of at most {max_mb} MB.")


class ProofAlreadyPending(PodiumError):
    message = N_("Your proof for {track} is already waiting for an organizer.")


class UnknownProof(PodiumError):
    message = N_("There is no proof #{id}.")


class ProofAlreadyDecided(PodiumError):
    message = N_("Proof #{id} was already decided by another organizer.")


class ReasonRequired(PodiumError):
    message = N_("Give a reason of 1 to {max} characters: the member reads it.")


class TeamNotEligible(PodiumError):
    message = N_(
        "The {track} track is only for eligible members. Not eligible yet: {members}. They "
        "can check with /eligibility status."
    )
