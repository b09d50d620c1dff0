"""Finding a document's PDF wherever its publisher put it: strategies tried in order, ranked."""
