from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock, IdentityCache, IdGenerator, PasswordHasher, TokenService
from application.services.sign_in import SignedIn, open_session
from application.use_cases.authenticate import Principal
from domain.errors import InvalidCredentials, NotFound, ValidationError
from domain.passwords import check_password_strength


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangePasswordCommand:
    principal: Principal
    new_password: str
    old_password: str | None = None


class ChangePassword:
    """Set a new password (proving the old one, if there is one). Every earlier session
    ends; the caller gets a fresh session so this device stays signed in."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdGenerator,
        passwords: PasswordHasher,
        tokens: TokenService,
        identities: IdentityCache,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._passwords = passwords
        self._tokens = tokens
        self._identities = identities

    async def execute(self, command: ChangePasswordCommand) -> SignedIn:
        check_password_strength(command.new_password, field="new_password")
        async with self._uow() as uow:
            user = await uow.users.get(command.principal.user_id)
            if user is None:
                raise NotFound("User not found.")
            if user.password_hash is not None:
                if command.old_password is None:
                    raise ValidationError.for_field("old_password", "is required to change a password")
                if not self._passwords.verify(user.password_hash, command.old_password):
                    raise InvalidCredentials("The old password is wrong.")
            user.password_hash = self._passwords.hash(command.new_password)
            now = self._clock.now()
            await uow.users.update(user)
            await uow.sessions.revoke_all_for_user(user.id, now)
            signed_in = await open_session(uow, tokens=self._tokens, ids=self._ids, user=user, now=now)
            await uow.commit()
        await self._identities.invalidate(user.id)
        return signed_in
