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
