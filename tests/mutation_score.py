"""Print the surviving mutants of the last `mutmut run` and the mutation score.

`make mutate` ends here. The score is killed / (every mutant mutmut could judge): a mutant
that made a test time out counts as killed (the change was noticed), one that no test
reaches counts as a survivor, and skipped ones (mutmut's `# pragma: no mutate`) are left out.
Exits non-zero below the floor the README states, so the score only goes up.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

FLOOR = 95.0  # per cent killed; raise it as tests improve, never lower it
KILLED = {"killed", "timeout"}
NOT_JUDGED = {"skipped", "not checked"}


def main() -> int:
    listing = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout
    statuses: dict[str, str] = {}
    for line in listing.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep:
            statuses[name] = status
    counts = Counter(statuses.values())
    judged = sum(n for status, n in counts.items() if status not in NOT_JUDGED)
    killed = sum(counts[status] for status in KILLED)
    for name, status in sorted(statuses.items()):
        if status not in KILLED | NOT_JUDGED:
            print(f"{status:>12}  {name}")
    score = 100.0 * killed / judged if judged else 0.0
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    print(f"mutation score: {score:.1f}% killed ({killed} of {judged}; {summary})")
    if score < FLOOR:
        print(f"error: below the floor of {FLOOR:.0f}% (mutmut show NAME shows a mutant)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
