"""The knowledge network of municipalities: a repository of prevention practices with evidence ratings per
outcome, EMMIE profiles and systematisations, reviewed by two independent reviewers, searchable in Spanish and
English, with the municipalities that adopted each one."""
