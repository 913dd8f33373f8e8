"""Generic pages configured by class attributes, as NetBox's ``ObjectListView``: every app's lists, details and
edit forms are these classes with a model, a FilterSet, a form and a template.

What each one does so that the app does not have to:

- scope: the queryset is the model's records the user may see (:class:`~atalaya.core.scoping.ScopedViewMixin`);
  another municipality's object answers 404;
- audit: showing a personal or sensitive object, or a list of them, writes the access log
  (:func:`~atalaya.core.audit.record_access` is a no-op for internal and public models);
- change log: saving writes who saved what, from which request (:func:`~atalaya.core.changelog.log_change`);
- permission: ``may_edit(user, obj)`` decides who saves (403 for the others); the municipality field of a form
  offers only the municipalities the user may see.

Pages of one municipality (``/<code>/…``) take :class:`MunicipalityMixin`, which resolves ``self.municipality``
from the URL the same way.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import CreateView, DetailView, UpdateView
from django_filters.views import FilterView

from . import audit
from .changelog import log_change
from .scoping import ScopedViewMixin, visible_municipalities


class MunicipalityMixin(LoginRequiredMixin):
    """A page of one municipality, named by its official code in the URL (``municipality_kwarg``).

    ``self.municipality`` is set before the view runs; a municipality the user may not see answers 404 (an
    anonymous visitor is sent to the login first)."""

    municipality_kwarg = "code"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.municipality = get_object_or_404(
                visible_municipalities(request.user), code=kwargs[self.municipality_kwarg]
            )
            if not self.may_access(request.user, self.municipality):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def may_access(self, user, municipality) -> bool:
        """Pages that need more than seeing the municipality (importing, acting) say so here: False answers 403."""
        return True

    def get_context_data(self, **kwargs):
        return super().get_context_data(**{"municipality": self.municipality, **kwargs})


class CappedPaginator(Paginator):
    """Counts at most :attr:`cap` rows (``paginator.capped`` says there are more): on a list of a hundred thousand
    records an exact count costs more than the page itself, and nobody pages past the thousandth row — they
    filter. Set ``paginator_class = CappedPaginator`` on a list view."""

    cap = 1000

    @cached_property
    def count(self) -> int:
        found = self.object_list.order_by()[: self.cap + 1].count()  # the order changes no count
        self.capped = found > self.cap
        return min(found, self.cap)

    capped = False


class ObjectListView(LoginRequiredMixin, ScopedViewMixin, FilterView):
    """A list page: ``model``, ``filterset_class`` (the same FilterSet as the API list), ``template_name``,
    ``ordering``; paginated by ``paginate_by``. Invalid filter values are ignored on the page (the API refuses
    them), and ``query`` in the context carries the filters to the pagination links."""

    paginate_by = 50
    strict = False

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        context["query"] = params.urlencode()
        page = context.get("page_obj")
        shown = page.object_list if page is not None else context["object_list"]
        audit.record_search(self.request.user, self.model, shown, context["query"])
        return context


class ObjectDetailView(LoginRequiredMixin, ScopedViewMixin, DetailView):
    """One object's page: ``model``, ``template_name``, ``scope_queryset`` for ``select_related``."""

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        audit.record_read(self.request.user, obj)
        return obj


class ObjectEditMixin(LoginRequiredMixin):
    """Shared by :class:`ObjectCreateView` and :class:`ObjectEditView`: who may save, the change log, the author
    stamp and the municipality choices of the form."""

    log_action = "guardar"

    def may_edit(self, user, obj) -> bool:
        """Whether ``user`` may save ``obj``: ``None`` asks whether they may create anything at all (the form is
        shown), an unsaved object whether they may create that one (its municipality chosen). Default: any
        signed-in user who sees it."""
        return True

    def log_message(self) -> str:
        return str(self.object)

    def log_municipality(self):
        """The municipality the saved object belongs to (``None``: shared or global)."""
        return getattr(self.object, "municipality", None)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        field = form.fields.get("municipality")
        if field is not None and hasattr(field, "queryset"):
            field.queryset = field.queryset.filter(pk__in=visible_municipalities(self.request.user).values("pk"))
        return form

    def form_valid(self, form):
        if not self.may_edit(self.request.user, form.instance):
            raise PermissionDenied
        if not form.instance.pk and hasattr(form.instance, "created_by_id"):
            form.instance.created_by = self.request.user
        response = super().form_valid(form)
        log_change(
            user=self.request.user,
            action=self.log_action,
            obj=self.object,
            origin=f"web:{self.request.path}",
            message=self.log_message(),
            municipality=self.log_municipality(),
        )
        return response


class ObjectCreateView(ObjectEditMixin, CreateView):
    """A creation form: ``model``, ``form_class``, ``template_name``, ``success_url``; ``may_edit(user, None)``
    decides who may create."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.may_edit(request.user, None):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ObjectEditView(ObjectEditMixin, ScopedViewMixin, UpdateView):
    """An edit form over the objects the user may see (404 outside them); ``may_edit(user, obj)`` decides who
    saves (403 for the others). Models with shared records (municipality empty: mappings, indicators) define
    ``editable_by(user)`` on their queryset, and only those objects are found (404 for the rest)."""

    def get_queryset(self):
        objects = self.model.objects
        if hasattr(objects, "editable_by"):
            return self.scope_queryset(objects.editable_by(self.request.user))
        return super().get_queryset()

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if not self.may_edit(self.request.user, obj):
            raise PermissionDenied
        return obj


def checked(form) -> dict:
    """A bound form's data, or its errors (each with its field's label) as the ValidationError an
    :class:`ActionView` shows as messages."""
    if form.is_valid():
        return form.cleaned_data
    raise ValidationError(
        [
            f"{form.fields[field].label}: {error}" if field in form.fields else str(error)
            for field, errors in form.errors.items()
            for error in errors
        ]
    )


class ActionView(LoginRequiredMixin, ScopedViewMixin, View):
    """One change (POST only) to an object of ``model``: 404 out of scope, 403 without the right (``allowed``), the
    service's Spanish refusal shown as a message on the page ``redirect_url`` names; all of it in one transaction."""

    def allowed(self, user, target) -> bool:
        raise NotImplementedError

    def act(self, target, request, **kwargs) -> str:
        raise NotImplementedError

    def redirect_url(self, target) -> str:
        raise NotImplementedError

    def post(self, request, pk, **kwargs):
        target = get_object_or_404(self.get_queryset(), pk=pk)
        if not self.allowed(request.user, target):
            raise PermissionDenied
        try:
            with transaction.atomic():
                message = self.act(target, request, **kwargs)
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        else:
            messages.success(request, message)
        return redirect(self.redirect_url(target))
