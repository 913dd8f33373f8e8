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

        from .access import requires_two_factor

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
        from .access import must_accept_code_of_conduct

        if not request.path.startswith(self.EXEMPT) and must_accept_code_of_conduct(user):
            return redirect(f"{reverse('code_of_conduct')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
