/**
 * The script `git bisect run` calls at each commit. The command comes in an environment
 * variable, never spliced into the script: a verification command is a shell line by design
 * (README.md, "cpo bisect"). Exit codes are what git bisect expects: 0 good, 1 bad, 125 skip
 * (the commit cannot build); a command killed by a signal (128+) counts as bad, not as an
 * abort of the whole bisect. The output of each run is kept per commit for the report.
 */
export const BISECT_SCRIPT = `#!/bin/sh
commit=$(git rev-parse HEAD)
log="$CPO_BISECT_LOGS/$commit.log"
if [ -n "$CPO_BISECT_BUILD" ]; then
  sh -c "$CPO_BISECT_BUILD" >"$log" 2>&1 || exit 125
fi
sh -c "$CPO_BISECT_COMMAND" >"$log" 2>&1
code=$?
echo "$code" >"$log.code"
if [ "$code" -eq 0 ]; then exit 0; fi
if [ "$code" -eq 125 ]; then exit 125; fi
exit 1
`
