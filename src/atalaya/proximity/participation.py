"""Neighbours follow and comment what is public: a problem (``problema:<número>``) or a commitment of the
accountability tree (``acuerdo:12``, ``mesa:3``). Following is double opt-in (a confirmation e-mail; nothing else
is sent before it) and every message carries the link to stop; comments wait for a coordinator's approval and
only then reach a public table. Both are rate-limited per address by the views.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atalaya.core import crypto
from atalaya.core.changelog import log_change
from atalaya.geo.models import Municipality

from .models import Comment, Follower, PublicComment, PublicCommitment, PublicProblem

EMAIL_PURPOSE = "seguidor-correo"
MAX_COMMENT = 2000


def resolve(municipality: Municipality, target: str) -> str:
    """The public title of a target, or a Spanish ``ValidationError`` when it is not public here."""
    from atalaya.hooks import FOLLOW_TARGETS

    for title_of in FOLLOW_TARGETS:
        title = title_of(municipality, target)
        if title is not None:
            return title
    if target.startswith("problema:"):
        public = PublicProblem.objects.filter(municipality=municipality, reference=target.removeprefix("problema:"))
        found = public.values_list("title", flat=True).first()
    else:
        found = (
            PublicCommitment.objects.filter(municipality=municipality, key=target)
            .values_list("title", flat=True)
            .first()
        )
    if found is None:
        raise ValidationError(_("No hay nada público con ese número."))
    return found


def _base() -> str:
    return getattr(settings, "ATALAYA_BASE_URL", "").rstrip("/")


@transaction.atomic
def follow(municipality: Municipality, target: str, email: str) -> Follower:
    """Record the wish and send the confirmation (again, if it was not confirmed); never says whether the
    address already followed (that would reveal who follows what)."""
    title = resolve(municipality, target)
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError(_("Escriba un correo válido.")) from exc
    index = crypto.blind_index(email, EMAIL_PURPOSE)
    follower = Follower.objects.filter(target=target, email_index=index).first()
    if follower is None:
        follower = Follower.objects.create(
            municipality=municipality, target=target, email=email, email_index=index, token=secrets.token_urlsafe(32)
        )
    if follower.confirmed_at is None:
        link = f"{_base()}/publico/{municipality.code}/seguir/{follower.token}/"
        body = _(
            "Para recibir las novedades de «%(title)s», confirme aquí: %(link)s\n\n"
            "Si no lo pidió, ignore este mensaje: no recibirá nada más."
        ) % {"title": title, "link": link}
        transaction.on_commit(
            lambda: send_mail(
                _("Confirme que quiere seguir «%(title)s»") % {"title": title[:80]},
                body,
                None,
                [email],
                fail_silently=True,
            )
        )
    return follower


def confirm(token: str) -> Follower | None:
    follower = Follower.objects.filter(token=token).first()
    if follower is not None and follower.confirmed_at is None:
        follower.confirmed_at = timezone.now()
        follower.save(update_fields=["confirmed_at"])
    return follower


def unfollow(token: str) -> bool:
    deleted, _rows = Follower.objects.filter(token=token).delete()
    return bool(deleted)


def notify_followers(municipality_id: int, target: str, title: str, news: str) -> int:
    """One e-mail to each confirmed follower of ``target`` with the public news (never internal text)."""
    sent = 0
    for follower in Follower.objects.filter(municipality_id=municipality_id, target=target, confirmed_at__isnull=False):
        stop = f"{_base()}/publico/{follower.municipality.code}/dejar-de-seguir/{follower.token}/"
        body = f"{news}\n\n" + _("Para dejar de recibir estos avisos: %(link)s") % {"link": stop}
        sent += send_mail(
            _("Novedades: %(title)s") % {"title": title[:80]}, body, None, [follower.email], fail_silently=True
        )
    return sent


@transaction.atomic
def comment(municipality: Municipality, target: str, text: str, author: str = "") -> Comment:
    title = resolve(municipality, target)
    text = text.strip()
    if not text:
        raise ValidationError(_("El comentario está vacío."))
    if len(text) > MAX_COMMENT:
        raise ValidationError(_("El comentario admite hasta %(n)s caracteres.") % {"n": MAX_COMMENT})
    return Comment.objects.create(
        municipality=municipality, target=target, target_title=title[:200], author=author.strip()[:80], text=text
    )


@transaction.atomic
def moderate(comment_obj: Comment, *, approve: bool, user) -> None:
    """Approve (it is published) or reject (it never is); either way the decision is logged."""
    comment_obj.status = Comment.Moderation.APPROVED if approve else Comment.Moderation.REJECTED
    comment_obj.moderated_by = user
    comment_obj.moderated_at = timezone.now()
    comment_obj.save(update_fields=["status", "moderated_by", "moderated_at"])
    if approve:
        PublicComment.objects.update_or_create(
            comment=comment_obj,
            defaults={
                "municipality_id": comment_obj.municipality_id,
                "target": comment_obj.target,
                "author": comment_obj.author,
                "text": comment_obj.text,
                "created_at": comment_obj.created_at,
            },
        )
    else:
        PublicComment.objects.filter(comment=comment_obj).delete()
    log_change(
        user=user,
        action="moderar",
        obj=comment_obj,
        municipality=comment_obj.municipality,
        message=f"Comentario {comment_obj.pk} en {comment_obj.target}: {comment_obj.status}",
    )
