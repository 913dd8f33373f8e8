"""``{{ share|percent|floatformat:1 }}``: a share (0–1) as a percentage, for the survey pages."""

from django import template

register = template.Library()


@register.filter
def percent(value):
    return None if value is None else 100 * float(value)
