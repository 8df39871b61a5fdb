"""Podium: the core (wiring, config, clock, scheduler, i18n, CLI) and its sub-packages."""
