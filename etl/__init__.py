"""ogi: government information-disclosure annual reports into a checked PostgreSQL warehouse."""

# Bumped whenever a change to parsing or checking can change what a report yields; reports
# loaded by an older parser become eligible for reprocessing.
PARSER_VERSION = "0.2.0"
