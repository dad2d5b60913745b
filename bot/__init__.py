"""Lotse's application: settings, channels, services and the gateway process."""
