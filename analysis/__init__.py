"""Pure functions from run tables to numbers and figures; never imports simulator
or agents."""
