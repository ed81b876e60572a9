"""What is done with decisions: SOP `coverage`, `explain` (why, why not), `whatif`, `prove` and
`diff`. Only `prove`, `diff` and what-if's search call a solver; the rest are pure functions."""
