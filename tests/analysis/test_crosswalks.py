"""The shipped crosswalks are complete and consistent (every catalogue entry mapped, every code known)."""

from collections import Counter

from atalaya.analysis import crosswalk

CNSP_TIPOS = {
    "Aborto",
    "Abuso de confianza",
    "Abuso sexual",
    "Acoso sexual",
    "Allanamiento de morada",
    "Amenazas",
    "Contra el medio ambiente",
    "Corrupción de menores",
    "Daño a la propiedad",
    "Delitos cometidos por servidores públicos",
    "Despojo",
    "Electorales",
    "Evasión de presos",
    "Extorsión",
    "Falsedad",
    "Falsificación",
    "Feminicidio",
    "Fraude",
    "Homicidio",
    "Hostigamiento sexual",
    "Incesto",
    "Incumplimiento de obligaciones de asistencia familiar",
    "Lesiones",
    "Narcomenudeo",
    "Otros delitos contra el patrimonio",
    "Otros delitos contra la familia",
    "Otros delitos contra la sociedad",
    "Otros delitos del Fuero Común",
    "Otros delitos que atentan contra la libertad personal",
    "Otros delitos que atentan contra la libertad y la seguridad sexual",
    "Otros delitos que atentan contra la vida y la integridad corporal",
    "Rapto",
    "Robo",
    "Secuestro",
    "Tráfico de menores",
    "Trata de personas",
    "Violación equiparada",
    "Violación simple",
    "Violencia de género en todas sus modalidades distinta a la violencia familiar",
    "Violencia familiar",
}


def _spec(source, version):
    return next(c for c in crosswalk.catalogues() if c.source == source and c.version == version)


def test_cnsp_catalogue_has_all_40_tipos_and_55_subtipos():
    rows = crosswalk.crosswalk_rows(_spec("sesnsp", "CNSP/38/15"))
    tipos = {r.match.split(" / ")[0] for r in rows}
    subtipos = {tuple(r.match.split(" / ")[:2]) for r in rows}
    assert tipos == CNSP_TIPOS
    assert len(subtipos) == 55


def test_every_entry_of_every_catalogue_is_mapped_to_known_codes():
    families = {f["code"] for f in crosswalk.families()}
    iccs = {c["code"] for c in crosswalk.iccs_classes()}
    for spec in crosswalk.catalogues():
        rows = crosswalk.crosswalk_rows(spec)
        assert rows, spec.file
        duplicates = [k for k, n in Counter(r.key for r in rows).items() if n > 1]
        assert not duplicates, (spec.file, duplicates)
        for r in rows:
            assert r.family in families, (spec.file, r.match, r.family)
            assert (r.iccs == "" and r.family == "no-delictivos") or r.iccs in iccs, (
                spec.file,
                r.match,
                r.iccs,
            )
            assert r.harm_weight > 0 or r.family == "no-delictivos", (spec.file, r.match)


def test_cdmx_categories_are_parents_of_their_delitos():
    rows = crosswalk.crosswalk_rows(_spec("cdmx-fgj", "2016+"))
    keys = {r.key for r in rows}
    for r in rows:
        parent = crosswalk.parent_key(r.key)
        assert parent is None or parent in keys, r.match


def test_category_key_ignores_accents_case_and_spacing():
    assert crosswalk.category_key("ROBO  A CASA HABITACIÓN / Con Violencia") == crosswalk.category_key(
        "Robo a casa habitacion / con violencia"
    )
