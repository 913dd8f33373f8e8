"""``atalaya keys …``: keys of the encryption of identifying fields (see ``atalaya.core.crypto``)."""

from __future__ import annotations

import sys

from .base import EXIT_OK, usage_error


def add_parser(sub) -> None:
    p = sub.add_parser("keys", help="claves del cifrado de campos identificatorios: generar y rotar")
    keys_sub = p.add_subparsers(dest="keys_command", required=True)
    k = keys_sub.add_parser("generate", help="imprime una clave nueva de 32 bytes en base64 (para el entorno)")
    k.add_argument("--id", default="k1", help="identificador de la clave en ATALAYA_FIELD_KEYS (predeterminado: k1)")
    k.set_defaults(func=cmd_keys_generate)
    k = keys_sub.add_parser(
        "rotate",
        help="vuelve a cifrar con la clave actual (la primera de ATALAYA_FIELD_KEYS) cada valor guardado con otra",
    )
    k.add_argument("--batch", type=int, default=500, help="filas por transacción (predeterminado: 500)")
    k.add_argument("--dry-run", action="store_true", help="solo cuenta lo que se volvería a cifrar")
    k.set_defaults(func=cmd_keys_rotate)


def cmd_keys_generate(args) -> int:
    import base64
    import secrets

    if not args.id.isalnum():
        return usage_error("el identificador de la clave solo lleva letras y números.")
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    print(f"ATALAYA_FIELD_KEYS={args.id}:{key}")
    print(f"ATALAYA_BLIND_INDEX_KEY={base64.b64encode(secrets.token_bytes(32)).decode()}")
    print("# Guárdelas fuera del repositorio. Para rotar: nueva primero, «nueva:…,anterior:…».", file=sys.stderr)
    return EXIT_OK


def cmd_keys_rotate(args) -> int:
    from atalaya.core.crypto import key_ring
    from atalaya.core.services import rotate_keys

    if args.batch < 1:
        return usage_error("--batch debe ser al menos 1.")
    counts = rotate_keys(batch_size=args.batch, dry_run=args.dry_run)
    verb = "se volverían a cifrar" if args.dry_run else "vueltos a cifrar"
    for label, count in counts.items():
        print(f"{label}: {count} valor(es) {verb}")
    print(f"Clave actual: {key_ring().current}. Total: {sum(counts.values())}.")
    return EXIT_OK
