"""`solve` replays the parsed program and leaves out table rows no look-up of the case can match
(issue 12): its verdicts must be those of the whole program text (`visa-rules asp`), tables and
all, parsed here by the test itself."""

from pathlib import Path

import clingo
import clingo.ast

from visarules.solver.backends.asp import case_symbols, program, solve, solve_many, verdict_from_atoms
from visarules.solver.batch import generate
from visarules.solver.case import load_case

_WHOLE: list = []  # the whole program text's statements, parsed once (as Control.add parses it)


def whole_program_verdict(policy, case):
    if not _WHOLE:
        clingo.ast.parse_string(program(policy), _WHOLE.append)
    ctl = clingo.Control(["--warn=none", "--models=2"])
    with clingo.ast.ProgramBuilder(ctl) as builder:
        for statement in _WHOLE:
            builder.add(statement)
    with ctl.backend() as backend:
        for symbol in case_symbols(policy, case):
            backend.add_rule([backend.add_atom(symbol)])
    ctl.ground([("base", [])])
    models = []
    ctl.solve(on_model=lambda m: models.append(list(m.symbols(shown=True))))
    assert len(models) == 1
    return verdict_from_atoms(policy, models[0])


def test_solve_equals_the_whole_program(policy):
    cases = [load_case(policy, c) for c in generate(policy, 20, seed=17)]
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


def test_an_input_clingo_chooses_keeps_the_rows_of_every_value_it_may_take(policy):
    """`case_control` for an analysis whose own rules choose an input's value (the what-if search):
    the table rows of every value in `varying` must stay. employment.anzsco keys the occupations
    table; every answer set, one per code chosen, must be one of the whole program text."""
    from visarules.solver.backends.asp import case_control
    from visarules.solver.backends.asp.predicates import INPUT
    from visarules.solver.case import read_case_file

    case = load_case(policy, read_case_file(Path(__file__).parent.parent / "examples" / "smc-eligible.json"))
    table = next(t for t in policy.tables if t.name == "occupations")
    codes = sorted({case.scalars["employment.anzsco"]} | {key for key, _ in table.rows[::97]})
    choose = "1 { pick(C) : code(C) } 1.\n" + "".join(f"code({c}).\n" for c in codes)
    choose += INPUT.text('"employment.anzsco"', "C") + " :- pick(C).\n"
    facts = [
        s for s in case_symbols(policy, case) if not (INPUT.matches(s) and s.arguments[0].string == "employment.anzsco")
    ]

    def answer_sets(ctl):
        with ctl.backend() as backend:
            for symbol in facts:
                backend.add_rule([backend.add_atom(symbol)])
        ctl.ground([("base", [])])
        found = []
        ctl.solve(on_model=lambda m: found.append(sorted(map(str, m.symbols(shown=True)))))
        return sorted(found)

    whole = clingo.Control(["--warn=none", "--models=0"])
    whole.add("base", [], program(policy) + choose)
    expected = answer_sets(whole)
    assert len(expected) == len(codes) > 5
    pruned = case_control(policy, case, ["--warn=none", "--models=0"], choose, {"employment.anzsco": codes})
    assert answer_sets(pruned) == expected
    # not saying that the input varies leaves the other codes' rows out, and the answers change
    assert answer_sets(case_control(policy, case, ["--warn=none", "--models=0"], choose)) != expected


def test_batched_cases_read_back_text_with_quotes_and_backslashes(policy):
    """A batch packs each case's values into tuples and shows a rule's reason values as one tuple
    (`emit.Packing`, `rule_shown`); a text value with quotes, a backslash or a comma must come back
    exactly, as the one-case program gives it."""
    import dataclasses

    awkward = 'Smith, "Jo" \\ Co (NZ)'

    def with_awkward_text(case):
        scalars = {k: awkward if isinstance(v, str) else v for k, v in case.scalars.items()}
        items = {
            name: tuple(
                dataclasses.replace(it, values={k: awkward if isinstance(v, str) else v for k, v in it.values.items()})
                for it in its
            )
            for name, its in case.items.items()
        }
        return dataclasses.replace(case, scalars=scalars, items=items)

    cases = [with_awkward_text(load_case(policy, c)) for c in generate(policy, 12, seed=5)]
    assert any(awkward in v for c in cases for vs in solve_many(policy, [c])[0].values.values() for v in vs
               if isinstance(v, str))  # fmt: skip
    assert solve_many(policy, cases) == [solve(policy, c) for c in cases]
