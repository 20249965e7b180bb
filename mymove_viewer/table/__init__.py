"""The lead table as data: columns, display, sort ranks, search texts, index, merge, overview
counts. No Qt."""
