"""The analytics cube: the counts table every page, indicator, alert, map and export reads.

Rooms: ``models`` (daily and monthly cells), ``writing`` (rebuild a range from a counting query, insert cells
computed in memory), ``reading`` (the one reader of cells: frames, sources, last day, territory codes),
``populations`` (interpolated populations for rates), ``exporting`` (the tidy counts table of the CLI and the API).
The cube knows geography and categories only: whoever stores facts (``datasets``, ``reconciliation``) says how to
count them, as a queryset, and the cube writes the result.
"""
