from __future__ import annotations

from application.services.sign_in import SignedIn
from application.use_cases.authenticate import Principal
from application.use_cases.send_otp import SendOtpCommand
from application.use_cases.sign_up import SignUpCommand
from application.use_cases.verify_otp import VerifyOtpCommand
from application.use_cases.verify_sign_up import VerifySignUpCommand
from domain.users import Tier
from entrypoints.container import Container

NUMBER = "+919876543210"


async def sign_in(container: Container, number: str = NUMBER) -> tuple[Principal, SignedIn]:
    sent = await container.send_otp().execute(SendOtpCommand(mobile_number=number))
    assert sent.otp is not None
    signed_in = await container.verify_otp().execute(VerifyOtpCommand(mobile_number=number, otp=sent.otp))
    principal = await container.authenticate().execute(signed_in.tokens.access_token)
    return principal, signed_in


async def sign_up(container: Container, number: str, password: str) -> SignedIn:
    """The whole sign-up flow: a code and a token, given back together."""
    started = await container.sign_up().execute(SignUpCommand(mobile_number=number, password=password))
    assert started.sent.otp is not None
    return await container.verify_sign_up().execute(
        VerifySignUpCommand(mobile_number=number, otp=started.sent.otp, signup_token=started.signup_token)
    )


async def set_tier(container: Container, user_id: str, tier: Tier) -> None:
    async with container.uow()() as uow:
        user = await uow.users.get(user_id)
        assert user is not None
        user.tier = tier
        await uow.users.update(user)
        await uow.commit()
