"""The residual network of the d2l chapter and its layer-by-layer shape walk."""
