"""Who may see a page and who may change data: the same dependencies as the API, but a page
sends a visitor who is not signed in to the sign-in form (a viewer posting a change gets 403)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from oncotrack.store.models import UserRow
from oncotrack.web.deps import current_user_or_redirect, get_session, require_page_role

Db = Annotated[Session, Depends(get_session)]
Viewer = Annotated[UserRow, Depends(current_user_or_redirect)]
Editor = Annotated[UserRow, Depends(require_page_role("editor"))]
