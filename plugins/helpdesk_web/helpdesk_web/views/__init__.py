"""The plugin's pages: new ticket, drafts, editing a submitted ticket, my tickets."""
