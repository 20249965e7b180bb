"""The lead table as data: columns, display, sort ranks, search texts, index, merge, overview
counts, behind one facade (``lead_table.LeadTable``) that the Qt model wraps. No Qt."""
