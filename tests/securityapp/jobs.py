"""A kind of background job for the job tests: it writes a note, then fails if asked to."""

from atalaya.core.jobs import JobFailed, register

from .models import CaseNote


@register("securityapp.note", "Nota de prueba")
def write_note(job, progress) -> dict:
    progress(50, "escribiendo")
    note = CaseNote.objects.create(municipality=job.municipality, text=job.params["text"])
    if job.params.get("fail") == "reason":
        raise JobFailed("La nota no se puede guardar: motivo de prueba.")
    if job.params.get("fail") == "bug":
        raise RuntimeError("un error de programación")
    return {"mensaje": "Nota guardada.", "url": f"/notas/{note.pk}/"}
