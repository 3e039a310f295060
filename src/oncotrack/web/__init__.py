"""The web application: REST API under /api/v1, server-rendered pages, sign-in and roles."""
