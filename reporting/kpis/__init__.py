"""KPI progress: each KPI target of a Eurocluster measured (computed from the portal's data, or
reported by a manager with evidence) against its target, with its trend and whether it is on
track for the end of the grant."""
