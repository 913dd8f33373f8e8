"""A benefit-cost sheet on one page (PDF, fpdf2's core fonts): the sentence a director quotes, the table WSIPP
publishes, the risk, the comparison with imprisonment and the assumptions stated."""

from __future__ import annotations

from django.utils.translation import gettext as _

from atalaya.analysis.costbenefit import by_perspective_labels
from atalaya.analysis.evaluation.effects import es_number
from atalaya.core.pdf import pdf_text

from .models import CostBenefitSheet


def sheet_pdf(sheet: CostBenefitSheet) -> bytes:
    from fpdf import FPDF

    result, inputs, programme = sheet.result, sheet.inputs, sheet.programme
    currency = programme.currency
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(
        0, 8, pdf_text(_("%(p)s: ¿la prevención paga?") % {"p": programme.name}), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("Helvetica", "", 9)
    pdf.cell(0, 5, pdf_text(f"{programme.municipality.name} · {sheet.evaluation}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 13)
    pdf.multi_cell(0, 7, pdf_text(result.get("sentence", "")), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    def row(label: str, value: str, bold: bool = False) -> None:
        pdf.set_font("Helvetica", "B" if bold else "", 10)
        pdf.cell(120, 6, pdf_text(label), border="B")
        pdf.cell(0, 6, pdf_text(value), border="B", align="R", new_x="LMARGIN", new_y="NEXT")

    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(
        0,
        7,
        pdf_text(_("Beneficios y costos, valor presente (%(c)s de %(y)s)") % {"c": currency, "y": sheet.base_year}),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    for label, value in by_perspective_labels(result["benefits_pv"]):
        row(_("Beneficios para: %(l)s") % {"l": label}, es_number(value))
    row(_("Beneficios totales"), es_number(result["total_benefits_pv"]), bold=True)
    row(_("Costo neto del programa"), f"({es_number(result['costs_pv'])})")
    row(_("Beneficios menos costos (valor presente neto)"), es_number(result["net_present_value"]), bold=True)
    row(_("Razón beneficio-costo"), es_number(result["benefit_cost_ratio"], 2), bold=True)
    row(
        _("Probabilidad de que los beneficios superen a los costos"),
        f"{es_number(100 * result['probability_benefits_exceed_costs'])} %",
    )
    low, high = result["ratio_interval"]
    row(_("Intervalo del 90 % de la razón"), f"{es_number(low, 2)} – {es_number(high, 2)}")
    if programme.participants:
        row(_("Costo por participante"), es_number(result["costs_pv"] / programme.participants))
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, pdf_text(_("Prevenir frente a encarcelar")), new_x="LMARGIN", new_y="NEXT")
    per_crime = result.get("cost_per_prevented_crime")
    row(_("Hechos evitados (estimación central)"), es_number(result["prevented_crimes"], 0))
    row(_("Costo del programa por hecho evitado"), es_number(per_crime) if per_crime else "—")
    row(_("Costo de la prisión por los mismos hechos"), es_number(result["prison_cost_of_same_crimes"]))
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, pdf_text(_("Sensibilidad")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 9)
    pdf.cell(110, 6, pdf_text(_("Supuesto")), border="B")
    pdf.cell(45, 6, pdf_text(_("Valor presente neto")), border="B", align="R")
    pdf.cell(0, 6, pdf_text(_("Razón")), border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for case in result.get("sensitivity", []):
        pdf.cell(110, 6, pdf_text(case["case"]), border="B")
        pdf.cell(45, 6, pdf_text(es_number(case["net_present_value"])), border="B", align="R")
        pdf.cell(
            0,
            6,
            pdf_text(es_number(case["benefit_cost_ratio"], 2)),
            border="B",
            align="R",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(3)
    pdf.set_font("Helvetica", "", 8)
    unit = inputs.get("unit_cost", {})
    usd = result.get("usd", {})
    notes = [
        _("Efecto: razón de tasas %(r)s (error estándar del logaritmo %(s)s), de la evaluación «%(e)s».")
        % {
            "r": es_number(inputs.get("rate_ratio", 0), 3),
            "s": es_number(inputs.get("log_ratio_se", 0), 3),
            "e": sheet.evaluation,
        },
        _(
            "Costos unitarios por hecho: víctima %(v)s, policía y justicia %(j)s, %(p)s años de prisión a %(c)s "
            "por año; fuente: %(src)s."
        )
        % {
            "v": es_number(unit.get("victim", 0)),
            "j": es_number(unit.get("justice", 0)),
            "p": es_number(unit.get("prison_years", 0), 2),
            "c": es_number(float(sheet.prison_year_cost)),
            "src": unit.get("source", ""),
        },
        _("Tasa de descuento %(d)s %% al año %(y)s; %(n)s simulaciones de Monte Carlo (semilla %(s)s).")
        % {
            "d": es_number(100 * sheet.discount_rate, 1),
            "y": sheet.base_year,
            "n": es_number(sheet.draws),
            "s": sheet.seed,
        },
        _("En dólares: valor presente neto %(v)s USD al tipo de cambio %(r)s del %(d)s.")
        % {
            "v": es_number(usd.get("net_present_value", 0)),
            "r": es_number(sheet.usd_rate, 2),
            "d": sheet.usd_rate_date.isoformat(),
        },
        _(
            "Método del Washington State Institute for Public Policy (WSIPP) adaptado a un programa municipal. Es "
            "una estimación bajo los supuestos indicados, no una auditoría."
        ),
    ]
    for note in notes:
        pdf.multi_cell(0, 4, pdf_text(note), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
