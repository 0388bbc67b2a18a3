"""The plugin's pages and its endpoint for the telephone system."""
