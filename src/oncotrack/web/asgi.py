"""The application object for ASGI servers run with several workers
(``uvicorn oncotrack.web.asgi:app``); it reads its settings from the environment."""

from oncotrack.web.app import create_app

app = create_app()
