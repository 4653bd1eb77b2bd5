"""The matching engine: scores, optimal assignment with a proof, cohorts, explanations.

Pure computation (numpy, OR-Tools); the chat flow and the offline CLI call `match`, `suggest`
and `explain` and read rosters with `load_roster`.
"""

from .engine import Suggestion, explain, match, suggest
from .model import Candidate, Match, MatchInput, MatchResult, Optimality, Unmatched
from .roster import Roster, RosterError, load_roster, parse_roster, parse_roster_csv

__all__ = [
    "Candidate",
    "Match",
    "MatchInput",
    "MatchResult",
    "Optimality",
    "Roster",
    "RosterError",
    "Suggestion",
    "Unmatched",
    "explain",
    "load_roster",
    "match",
    "parse_roster",
    "parse_roster_csv",
    "suggest",
]
