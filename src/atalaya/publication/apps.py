from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicationConfig(AppConfig):
    name = "atalaya.publication"
    label = "publication"
    verbose_name = _("Publicaciones: diagnósticos, boletines y datos abiertos")

    def ready(self):
        from atalaya.core import sensitivity as s

        s.classify_many(
            {
                "publication.report": s.INTERNAL,  # figures without disclosure control: the municipality's own
                "publication.bulletin": s.PUBLIC,  # built only from the portal's public tables
            }
        )
        from django.urls import reverse
        from django.utils.translation import gettext

        from atalaya.hooks import FOLLOW_TARGETS, MUNICIPALITY_LINKS, PORTAL_LINKS

        from . import jobs  # noqa: F401 - registers the job kinds
        from .access import may_read

        def publications_link(user, municipality):
            if may_read(user, municipality):
                return gettext("Diagnósticos y boletines"), reverse("publication:list", args=[municipality.code])
            return None

        def public_links(municipality):
            from atalaya.indicators.portal import published_municipalities

            if published_municipalities().filter(pk=municipality.pk).exists():
                return gettext("Boletines y datos abiertos"), reverse(
                    "publication_public:bulletins", args=[municipality.code]
                )
            return None

        def bulletin_target(municipality, target):
            from .services import subscription_target

            if target == subscription_target(municipality):
                return gettext("Boletín mensual del observatorio de %(name)s") % {"name": municipality.name}
            return None

        MUNICIPALITY_LINKS.append(publications_link)
        PORTAL_LINKS.append(public_links)
        FOLLOW_TARGETS.append(bulletin_target)
