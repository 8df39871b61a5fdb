"""FakeTwilio's webhooks: signed status callbacks and inbound messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from twilio.request_validator import RequestValidator
from twilio.rest import Client

from tests.fakes.test_twilio.conftest import ALICE, BOB, SENDER, TEMPLATE_SID, Receiver
from tests.fakes.twilio import DEFAULT_WHATSAPP_NUMBER, FakeTwilio

# --------------------------------------------------------------------------- callbacks


async def test_status_callbacks_arrive_signed_and_the_signature_validates(
    fake: FakeTwilio, client: Client, receiver: Receiver
) -> None:
    fake.open_window(ALICE)
    url = receiver.url("/twilio/status?outbox=42")
    created = await client.messages.create_async(
        to=ALICE, from_=SENDER, body="hi", status_callback=url
    )
    await fake.flush_callbacks()

    assert [p["MessageStatus"] for _, p, _ in receiver.received] == ["sent", "delivered"]
    validator = RequestValidator(fake.auth_token)
    for _, params, signature in receiver.received:
        assert params["MessageSid"] == created.sid
        assert params["AccountSid"] == fake.account_sid
        assert params["To"] == ALICE
        assert params["From"] == SENDER
        assert "ErrorCode" not in params
        assert signature is not None
        assert validator.validate(url, params, signature)
    assert [(u, s) for u, _, s in fake.callback_log] == [(url, 200), (url, 200)]
    assert fake.messages[0].status == "delivered"


async def test_forged_or_misdirected_callback_signature_does_not_validate(
    fake: FakeTwilio, client: Client, receiver: Receiver
) -> None:
    fake.open_window(ALICE)
    url = receiver.url("/twilio/status")
    await client.messages.create_async(to=ALICE, from_=SENDER, body="hi", status_callback=url)
    await fake.flush_callbacks()
    _, params, signature = receiver.received[0]
    assert signature is not None

    assert not RequestValidator("another-token").validate(url, params, signature)
    assert not RequestValidator(fake.auth_token).validate(url, params, "forged=")
    tampered = {**params, "MessageStatus": "read"}
    assert not RequestValidator(fake.auth_token).validate(url, tampered, signature)
    assert not RequestValidator(fake.auth_token).validate(url + "x", params, signature)


async def test_duplicate_and_reversed_callbacks_but_the_resource_only_moves_forward(
    fake: FakeTwilio, client: Client, receiver: Receiver
) -> None:
    fake.open_window(ALICE)
    fake.duplicate_callbacks = True
    fake.reverse_callbacks = True
    created = await client.messages.create_async(
        to=ALICE, from_=SENDER, body="hi", status_callback=receiver.url("/s")
    )
    await fake.flush_callbacks()
    assert [p["MessageStatus"] for _, p, _ in receiver.received] == [
        "delivered",
        "delivered",
        "sent",
        "sent",
    ]
    fetched = await client.api.v2010.account.messages(created.sid).fetch_async()
    assert fetched.status == "delivered"


async def test_freeform_outside_the_window_is_accepted_then_fails_with_63016(
    fake: FakeTwilio, client: Client, receiver: Receiver
) -> None:
    fake.open_window(BOB, datetime.now(UTC) - timedelta(hours=25))  # expired window
    url = receiver.url("/s")
    outside = await client.messages.create_async(
        to=BOB, from_=SENDER, body="late", status_callback=url
    )
    template = await client.messages.create_async(
        to=BOB, from_=SENDER, content_sid=TEMPLATE_SID, status_callback=url
    )
    await fake.flush_callbacks()

    assert outside.status == "queued"  # Twilio accepts it first
    by_sid: dict[str, list[tuple[str, str | None]]] = {}
    for _, params, _ in receiver.received:
        by_sid.setdefault(params["MessageSid"], []).append(
            (params["MessageStatus"], params.get("ErrorCode"))
        )
    assert by_sid[outside.sid] == [("failed", "63016")]
    assert by_sid[template.sid] == [("sent", None), ("delivered", None)]
    assert fake.violations_63016 == 1
    fetched = await client.api.v2010.account.messages(outside.sid).fetch_async()
    assert (fetched.status, fetched.error_code) == ("failed", 63016)


async def test_freeform_inside_the_window_is_delivered(
    fake: FakeTwilio, client: Client, receiver: Receiver
) -> None:
    fake.open_window(ALICE, datetime.now(UTC) - timedelta(hours=23))
    await client.messages.create_async(
        to=ALICE, from_=SENDER, body="in time", status_callback=receiver.url("/s")
    )
    await fake.flush_callbacks()
    assert [p["MessageStatus"] for _, p, _ in receiver.received] == ["sent", "delivered"]
    assert fake.violations_63016 == 0


# --------------------------------------------------------------------------- inbound


async def test_send_inbound_posts_a_signed_twilio_form_and_opens_the_window(
    fake: FakeTwilio, receiver: Receiver
) -> None:
    url = receiver.url("/twilio/inbound")
    assert not fake.window_open(ALICE)

    status, text = await fake.send_inbound(url, from_="+15551230001", body="STOP")

    assert (status, text) == (200, "ok")
    path, params, signature = receiver.received[0]
    assert path == "/twilio/inbound"
    assert params["From"] == ALICE
    assert params["To"] == DEFAULT_WHATSAPP_NUMBER
    assert params["Body"] == "STOP"
    assert params["WaId"] == "15551230001"
    assert params["AccountSid"] == fake.account_sid
    assert params["NumMedia"] == "0"
    assert params["MessageSid"].startswith("SM")
    assert "ProfileName" in params
    assert signature is not None
    assert RequestValidator(fake.auth_token).validate(url, params, signature)
    assert fake.window_open(ALICE)


async def test_send_inbound_unsigned_or_forged_or_signed_for_the_public_url(
    fake: FakeTwilio, receiver: Receiver
) -> None:
    url = receiver.url("/twilio/inbound")
    public = "https://podium.example.com/twilio/inbound"
    await fake.send_inbound(url, from_=ALICE, body="a", signed=False)
    await fake.send_inbound(url, from_=ALICE, body="b", signature="forged")
    await fake.send_inbound(url, from_=ALICE, body="c", sign_url=public)

    validator = RequestValidator(fake.auth_token)
    unsigned, forged, proxied = receiver.received
    assert unsigned[2] is None
    assert forged[2] == "forged"
    assert not validator.validate(url, forged[1], "forged")
    assert proxied[2] is not None
    assert validator.validate(public, proxied[1], proxied[2])
    assert not validator.validate(url, proxied[1], proxied[2])
