"""Placeholder while the plugin is being written."""
