"""A cached result of an experiment this bnviz does not know: its curves and cards, and no verdicts."""
