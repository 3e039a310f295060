"""Sign-in and the current user."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status

from oncotrack.web import auth
from oncotrack.web.api.schemas import CsrfOut, Error, LoginBody, Me, UserOut
from oncotrack.web.deps import CurrentUser, DbSession, csrf_token

router = APIRouter(tags=["auth"])


@router.post("/auth/login", response_model=Me,
             responses={401: {"model": Error}, 403: {"model": Error}, 429: {"model": Error}})
def login(body: LoginBody, request: Request, response: Response, db: DbSession) -> Me:
    """Sign in: sets the session cookie and returns the CSRF token for later unsafe requests.

    Needs a CSRF token itself (from GET /auth/csrf). After too many failures for a username
    from one address: 429 with Retry-After."""
    user = auth.authenticate(db, body.username, body.password, auth.client_ip(request),
                             auth.settings_of(request))
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password")
    csrf = auth.login(request, response, user)
    return Me(user=UserOut.model_validate(user), csrf_token=csrf)


@router.post("/auth/logout", status_code=204, response_class=Response)
def logout(request: Request, response: Response, _db: DbSession) -> None:
    """End the session and clear its cookie."""
    auth.logout(request, response)


@router.get("/auth/csrf", response_model=CsrfOut)
def csrf(request: Request) -> CsrfOut:
    """A CSRF token: the session's when signed in, else a pre-sign-in one (its cookie is set)."""
    return CsrfOut(csrf_token=csrf_token(request))


@router.get("/me", response_model=Me, responses={401: {"model": Error}})
def me(request: Request, user: CurrentUser) -> Me:
    """The signed-in user and the session's CSRF token."""
    return Me(user=UserOut.model_validate(user), csrf_token=csrf_token(request))
