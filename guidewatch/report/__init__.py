"""The history views: term timelines, changes between versions, and the static HTML report."""
