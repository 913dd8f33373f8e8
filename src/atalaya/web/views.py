"""Views of the shell: the lockout page django-axes shows."""

from __future__ import annotations


def lockout(request, original_response=None, credentials=None):
    """The page django-axes shows when a user name is locked after repeated failed logins (Spanish, 429)."""
    from django.conf import settings
    from django.template.response import TemplateResponse

    response = TemplateResponse(
        request, "web/lockout.html", {"lockout_minutes": settings.ATALAYA_LOCKOUT_MINUTES}, status=429
    )
    return response.render()
