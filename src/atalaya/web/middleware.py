"""Content-Security-Policy: everything from our own origin, no inline scripts, no third parties."""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
    "object-src 'none'"
)

CSP_INLINE_STYLES = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Swagger UI and plotly.js inject <style> elements at run time; only their pages may apply inline styles
        # (a view opts in with ``response.allow_inline_styles``). Scripts stay 'self' everywhere.
        inline_styles = request.path.startswith("/api/docs/") or getattr(response, "allow_inline_styles", False)
        policy = CSP_INLINE_STYLES if inline_styles else CSP
        if getattr(response, "allow_map_workers", False):  # MapLibre (the map page) draws in a blob: worker
            policy += "; worker-src 'self' blob:; child-src blob:"
        host = getattr(response, "extra_image_host", None)
        if host:  # the configured basemap tile server, and only on the pages that draw it
            policy = policy.replace("img-src 'self'", f"img-src 'self' {host}").replace(
                "connect-src 'self'", f"connect-src 'self' {host}"
            )
        response.setdefault("Content-Security-Policy", policy)
        return response


class SpanishFirstLocaleMiddleware(LocaleMiddleware):
    """Spanish unless the user chose another language with the selector (stored in the language cookie).

    Django's LocaleMiddleware follows the browser's Accept-Language, which would show English to the many
    municipal computers configured in English. Atalaya is Spanish first: English is an explicit choice.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
