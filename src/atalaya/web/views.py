"""View mixins shared by the pages of every app."""

from __future__ import annotations


class PlotlyPageMixin:
    """Pages that draw plotly.js charts: plotly injects its own <style> rules, so these pages (and only these)
    may apply inline styles; scripts stay 'self' (see ``web.middleware``)."""

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        response.allow_inline_styles = True
        return response


def lockout(request, original_response=None, credentials=None):
    """The page django-axes shows when a user name is locked after repeated failed logins (Spanish, 429)."""
    from django.conf import settings
    from django.template.response import TemplateResponse

    response = TemplateResponse(
        request, "web/lockout.html", {"lockout_minutes": settings.ATALAYA_LOCKOUT_MINUTES}, status=429
    )
    return response.render()
