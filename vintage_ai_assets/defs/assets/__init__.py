"""Assets, one module per layer of the graph."""
