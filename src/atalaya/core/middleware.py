"""Request ids: every response says which id its log rows carry (``X-Request-ID``)."""

from __future__ import annotations

from .context import acting, new_request_id


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = new_request_id()
        ip = request.META.get("REMOTE_ADDR", "")
        with acting(request.request_id, path=request.path[:300], ip=ip):
            response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class TwoFactorRequiredMiddleware:
    """Users who must use a second factor (see ``accounts.services.requires_two_factor``) reach nothing but the
    two-factor pages, the logout and the public portal until their session is verified. Runs after django-otp's
    ``OTPMiddleware``, which tells whether the session is verified."""

    EXEMPT = ("/entrar/", "/salir/", "/doble-factor/", "/static/", "/i18n/", "/publico/", "/favicon.ico")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import JsonResponse
        from django.shortcuts import redirect
        from django.urls import reverse
        from django.utils.http import urlencode
        from django.utils.translation import gettext as _
        from django_otp import user_has_device

        from atalaya.accounts.services import requires_two_factor

        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(self.EXEMPT)
            and requires_two_factor(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": _("Confirme el segundo factor de su cuenta para usar la API.")}, status=403
                )
            target = "two_factor_verify" if user_has_device(user) else "two_factor_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def must_accept_code_of_conduct(user) -> bool:
    """Users holding a role listed in ``ATALAYA_CODE_OF_CONDUCT_ROLES`` accept the current version once."""
    from django.conf import settings

    from .models import ConductAcceptance

    roles = set(getattr(settings, "ATALAYA_CODE_OF_CONDUCT_ROLES", ()))
    if not roles or user is None or not user.is_authenticated:
        return False
    if not user.memberships.filter(role__in=roles).exists():
        return False
    version = settings.ATALAYA_CODE_OF_CONDUCT_VERSION
    return not ConductAcceptance.objects.filter(user=user, version=version).exists()


class CodeOfConductMiddleware:
    """Until they accept the code of conduct, the users who must see only its page (and logout, the portal)."""

    EXEMPT = (*TwoFactorRequiredMiddleware.EXEMPT, "/codigo-de-conducta/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.shortcuts import redirect
        from django.urls import reverse
        from django.utils.http import urlencode

        user = getattr(request, "user", None)
        if not request.path.startswith(self.EXEMPT) and must_accept_code_of_conduct(user):
            return redirect(f"{reverse('code_of_conduct')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
