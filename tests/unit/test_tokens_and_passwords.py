from __future__ import annotations

import asyncio
import base64
import json
from datetime import timedelta

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.security.otp_hashing import HmacOtpHasher
from adapters.security.passwords import Argon2PasswordHasher
from adapters.security.tokens import JwtSettings, JwtTokenService
from domain.errors import DependencyUnavailable, Unauthenticated
from tests.support import START, MutableClock

SECRET = "s" * 40


def service(clock: MutableClock, keys: dict[str, str] | None = None, active: str = "k1") -> JwtTokenService:
    return JwtTokenService(JwtSettings(keys=keys or {"k1": SECRET}, active_kid=active), clock)


@given(user_id=st.uuids().map(str), session_id=st.uuids().map(str))
def test_tokens_round_trip(user_id: str, session_id: str) -> None:
    tokens = service(MutableClock()).issue(user_id=user_id, session_id=session_id, now=START)
    svc = service(MutableClock())
    assert svc.read_access(tokens.access_token).user_id == user_id
    refresh = svc.read_refresh(tokens.refresh_token)
    assert (refresh.user_id, refresh.session_id, refresh.jti) == (user_id, session_id, tokens.refresh_jti)


def test_an_access_token_is_not_a_refresh_token_and_vice_versa() -> None:
    svc = service(MutableClock())
    tokens = svc.issue(user_id="u", session_id="s", now=START)
    with pytest.raises(Unauthenticated):
        svc.read_refresh(tokens.access_token)
    with pytest.raises(Unauthenticated):
        svc.read_access(tokens.refresh_token)


def test_tokens_expire_on_the_service_clock() -> None:
    clock = MutableClock()
    svc = service(clock)
    tokens = svc.issue(user_id="u", session_id="s", now=clock.now())
    clock.advance(minutes=14)
    svc.read_access(tokens.access_token)
    clock.advance(minutes=2)
    with pytest.raises(Unauthenticated):
        svc.read_access(tokens.access_token)
    svc.read_refresh(tokens.refresh_token)
    clock.advance(days=31)
    with pytest.raises(Unauthenticated):
        svc.read_refresh(tokens.refresh_token)


@settings(max_examples=200)
@given(position=st.integers(min_value=0), replacement=st.characters(codec="ascii", categories=["L", "N"]))
def test_any_tampered_character_is_rejected(position: int, replacement: str) -> None:
    svc = service(MutableClock())
    token = svc.issue(user_id="u", session_id="s", now=START).access_token
    index = position % len(token)
    if token[index] in (replacement, "."):
        return
    tampered = token[:index] + replacement + token[index + 1 :]
    try:
        claims = svc.read_access(tampered)
    except Unauthenticated:
        return
    # Base64 padding bits can absorb a change to the last character of a segment: then
    # the decoded token is the same token, which is fine.
    assert claims.user_id == "u" and claims.session_id == "s"


def _forge(header: dict[str, str], payload: dict[str, object], key: str = SECRET, alg: str = "HS256") -> str:
    return jwt.encode(payload, key, algorithm=alg, headers=header)


def test_alg_none_unknown_kid_wrong_key_wrong_audience_are_all_rejected() -> None:
    clock = MutableClock()
    svc = service(clock)
    good = jwt.decode(
        svc.issue(user_id="u", session_id="s", now=START).access_token, options={"verify_signature": False}
    )
    unsigned_header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "kid": "k1"}).encode()).rstrip(b"=")
    unsigned_body = base64.urlsafe_b64encode(json.dumps(good).encode()).rstrip(b"=")
    forgeries = [
        (unsigned_header + b"." + unsigned_body + b".").decode(),
        _forge({"kid": "other"}, good),
        _forge({"kid": "k1"}, good, key="t" * 40),
        _forge({"kid": "k1"}, {**good, "aud": "someone-else"}),
        _forge({"kid": "k1"}, {**good, "iss": "someone-else"}),
        _forge({"kid": "k1"}, {k: v for k, v in good.items() if k != "sid"}),
        _forge({"kid": "k1"}, good, alg="HS512"),
        "not a token",
    ]
    for forged in forgeries:
        with pytest.raises(Unauthenticated):
            svc.read_access(forged)


def test_after_a_key_rotation_old_tokens_stay_valid_until_they_expire() -> None:
    clock = MutableClock()
    old = service(clock, {"k1": SECRET}, "k1").issue(user_id="u", session_id="s", now=clock.now())
    rotated = service(clock, {"k1": SECRET, "k2": "n" * 40}, "k2")
    assert rotated.read_access(old.access_token).user_id == "u"
    new = rotated.issue(user_id="u", session_id="s", now=clock.now())
    assert jwt.get_unverified_header(new.access_token)["kid"] == "k2"
    retired = service(clock, {"k2": "n" * 40}, "k2")
    with pytest.raises(Unauthenticated):
        retired.read_access(old.access_token)


async def test_passwords_hash_and_verify() -> None:
    hasher = Argon2PasswordHasher("cheapest")
    hashed = await hasher.hash("correct horse")
    assert hashed != "correct horse" and hashed.startswith("$argon2")
    assert await hasher.verify(hashed, "correct horse")
    assert not await hasher.verify(hashed, "wrong horse")
    assert not await hasher.verify("not a hash", "correct horse")
    hasher.close()


async def test_password_hashing_refuses_to_queue_without_end() -> None:
    """A flood of sign-ins waits in a short queue, then is told to come back (503), rather
    than piling up behind the hashing threads."""
    hasher = Argon2PasswordHasher("default", threads=1, max_waiting=2)
    outcomes = await asyncio.gather(*(hasher.hash(f"password {i}") for i in range(6)), return_exceptions=True)
    refused = [o for o in outcomes if isinstance(o, DependencyUnavailable)]
    assert len(refused) == 3 and all(o.retry_after_seconds == 1 for o in refused)
    assert all(isinstance(o, str) and o.startswith("$argon2") for o in outcomes if o not in refused)
    hasher.close()


def test_otp_hashes_are_peppered_and_bound_to_the_challenge() -> None:
    hasher = HmacOtpHasher(b"pepper")
    code_hash = hasher.hash("123456", challenge_id="c1")
    assert "123456" not in code_hash
    assert hasher.matches("123456", code_hash=code_hash, challenge_id="c1")
    assert not hasher.matches("123457", code_hash=code_hash, challenge_id="c1")
    assert not hasher.matches("123456", code_hash=code_hash, challenge_id="c2")
    assert not HmacOtpHasher(b"other").matches("123456", code_hash=code_hash, challenge_id="c1")


def test_refresh_ttl_is_thirty_days_and_access_fifteen_minutes() -> None:
    tokens = service(MutableClock()).issue(user_id="u", session_id="s", now=START)
    assert tokens.expires_in == 900
    assert tokens.refresh_expires_at - START == timedelta(days=30)


def test_a_remembered_token_vouches_only_for_itself() -> None:
    """Verified access tokens are remembered; a forged variant of one is not."""
    svc = JwtTokenService(JwtSettings(keys={"k1": SECRET}, active_kid="k1"), MutableClock(), remember=2)
    genuine = [svc.issue(user_id=f"u{i}", session_id="s", now=START).access_token for i in range(3)]
    for token in genuine:
        svc.read_access(token)
    header, payload, signature = genuine[2].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged_payload = base64.urlsafe_b64encode(json.dumps({**claims, "sub": "u0"}).encode()).rstrip(b"=").decode()
    for forged in (f"{header}.{forged_payload}.{signature}", genuine[2] + "x", genuine[2][:-1]):
        with pytest.raises(Unauthenticated):
            svc.read_access(forged)
    # Forgetting the oldest (the bound) costs a fresh check, not a wrong answer.
    assert [svc.read_access(t).user_id for t in genuine] == ["u0", "u1", "u2"]


def test_the_client_address_is_read_through_the_trusted_proxies_only() -> None:
    from entrypoints.http.clients import client_address

    assert client_address("10.0.0.5", ["1.2.3.4"], trusted_hops=0) == "10.0.0.5"
    assert client_address("10.0.0.5", ["6.6.6.6, 1.2.3.4"], trusted_hops=1) == "1.2.3.4"
    assert client_address("10.0.0.5", ["6.6.6.6", "1.2.3.4, 10.0.0.9"], trusted_hops=2) == "1.2.3.4"
    # Fewer entries than proxies: the request did not come through them; the peer it is.
    assert client_address("10.0.0.5", [], trusted_hops=1) == "10.0.0.5"
    # Garbage where an address should be falls back to the peer, never to the garbage.
    assert client_address("10.0.0.5", ["not-an-ip"], trusted_hops=1) == "10.0.0.5"
    # IPv6 callers are keyed by their /64; IPv4-mapped addresses as IPv4.
    assert client_address("2001:db8::1", [], trusted_hops=0) == "2001:db8::/64"
    assert client_address("2001:db8::ffff:1", [], trusted_hops=0) == "2001:db8::/64"
    assert client_address("::ffff:192.0.2.1", [], trusted_hops=0) == "192.0.2.1"
    assert client_address("testclient", [], trusted_hops=0) == "testclient"
