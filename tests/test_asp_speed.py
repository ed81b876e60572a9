"""`solve` replays the parsed program and leaves out table rows no look-up of the case can match
(issue 12): its verdicts must be those of the whole program text, as `Control.add` reads it."""

import clingo

from visarules.solver.backends.asp import case_symbols, program, solve, solve_many, verdict_from_atoms
from visarules.solver.batch import generate
from visarules.solver.case import load_case


def whole_program_verdict(policy, case):
    ctl = clingo.Control(["--warn=none", "--models=2"])
    ctl.add("base", [], program(policy))
    with ctl.backend() as backend:
        for symbol in case_symbols(policy, case):
            backend.add_rule([backend.add_atom(symbol)])
    ctl.ground([("base", [])])
    models = []
    ctl.solve(on_model=lambda m: models.append(list(m.symbols(shown=True))))
    assert len(models) == 1
    return verdict_from_atoms(policy, models[0])


def test_solve_equals_the_whole_program(policy):
    cases = [load_case(policy, c) for c in generate(policy, 40, seed=17)]
    whole = [whole_program_verdict(policy, c) for c in cases]
    assert [solve(policy, c) for c in cases] == whole
    assert solve_many(policy, cases) == whole


def test_threads_sharing_the_parsed_program_decide_as_one_thread(policy):
    """A Dask worker's threads decide at once from the same cached statements (without the replay
    lock, clingo refused them now and then: "invalid ast: term expected")."""
    from concurrent.futures import ThreadPoolExecutor

    cases = [load_case(policy, c) for c in generate(policy, 24, seed=23)]
    alone = [solve(policy, c) for c in cases]
    chunks = [cases[i : i + 4] for i in range(0, len(cases), 4)]
    with ThreadPoolExecutor(4) as pool:
        singles = list(pool.map(lambda c: solve(policy, c), cases))
        together = [v for chunk in pool.map(lambda ch: solve_many(policy, ch), chunks) for v in chunk]
    assert singles == alone and together == alone
