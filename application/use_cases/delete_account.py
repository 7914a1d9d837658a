from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import FileStore, PaymentGateway
from application.services.file_removal import delete_files
from application.services.one_time_codes import OneTimeCodes
from application.services.throttles import AuthThrottle
from application.use_cases.authenticate import Principal
from domain.errors import InvalidOtp, NotFound, ValidationError
from domain.otp import OtpPurpose


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteAccountCommand:
    principal: Principal
    # A confirmation code (SendConfirmationCode): an access token alone, perhaps a
    # stolen one, must not be enough to wipe an account.
    otp: str
    client: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteAccount:
    """Delete the caller's account for good, with a fresh code sent to their number.

    The subscriptions still charging are cancelled at the provider first, while the
    account is locked; if the provider cannot be reached nothing is deleted and the code
    stays good for another try. Then the user goes in one transaction with everything of
    theirs (chats, messages, files, share links, exports, gems, sessions, usage), the
    files' bytes right after. What stays is what billing law needs and names nobody: the
    ids of the payment events we processed. The number can sign up again, as a new,
    empty account."""

    uow: UnitOfWorkFactory
    codes: OneTimeCodes
    throttle: AuthThrottle
    payments: PaymentGateway
    files: FileStore

    async def execute(self, command: DeleteAccountCommand) -> None:
        if not command.otp:
            raise ValidationError.for_field("otp", "is required: ask for a code with POST /auth/send-confirmation-code")
        async with self.uow() as uow:
            user = await uow.users.get(command.principal.user_id, for_update=True)
            if user is None:
                raise NotFound("User not found.")
            await self.throttle.code_check(user.mobile_number, OtpPurpose.CONFIRM, command.client)
            spent = await self.codes.check(
                uow, mobile_number=user.mobile_number, purpose=OtpPurpose.CONFIRM, code=command.otp
            )
            if spent is None:
                await uow.commit()  # the wrong try counts against the code
                raise InvalidOtp()
            for subscription in await uow.subscriptions.list_for_user(user.id):
                if not subscription.has_ended:
                    await self.payments.cancel_subscription(subscription.subscription_id)
            keys = [*await uow.uploads.delete_all_of(user.id), *await uow.exports.delete_all_of(user.id)]
            await uow.users.delete(user)
            await uow.otps.delete_all_for(user.mobile_number)
            await uow.commit()
        await self.throttle.succeeded(user.mobile_number)
        await delete_files(self.uow, self.files, keys)
