from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxonomyConfig(AppConfig):
    name = "atalaya.taxonomy"
    verbose_name = _("Taxonomía delictiva")

    def ready(self):
        from atalaya.core import sensitivity as s

        s.classify_many(
            {
                "taxonomy.family": s.PUBLIC,
                "taxonomy.iccsclass": s.PUBLIC,
                "taxonomy.catalogue": s.PUBLIC,
                "taxonomy.sourcecategory": s.PUBLIC,
                "taxonomy.crosswalk": s.PUBLIC,
                "taxonomy.crosswalkentry": s.PUBLIC,
            }
        )
