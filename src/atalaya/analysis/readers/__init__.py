"""Readers of official data formats. Pure: they turn a file into a normalised frame plus problems.

Each reader is a function ``read(path, **options) -> ReadResult`` registered in :mod:`atalaya.hooks` under the
format name used by ``atalaya import``.
"""
