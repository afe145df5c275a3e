//! Renderers of plans: each writes into the writer it is given.
