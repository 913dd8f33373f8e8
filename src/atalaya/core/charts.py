"""Charts: what pages that draw plotly.js need (the specs themselves are still built by each app; see
docs/es/arquitectura.md)."""

from __future__ import annotations


class PlotlyPageMixin:
    """Pages that draw plotly.js charts: plotly injects its own <style> rules, so these pages (and only these)
    may apply inline styles; scripts stay 'self' (see ``web.middleware``)."""

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        response.allow_inline_styles = True
        return response
