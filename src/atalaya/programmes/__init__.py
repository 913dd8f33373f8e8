"""Prevention programmes: logical frameworks with result indicators and targets, progress against them (red, amber,
green), approvals, budgets, evaluations against crime outcomes (difference-in-differences, interrupted time series,
synthetic control, before/after with displacement) and WSIPP-style benefit-cost sheets; exported as IATI."""
