#!/bin/sh
# The Lambda stand-in's entry point: as the real image's, the handler (`file.export`) is the
# first argument; the emulator serves it on port 8080.
if [ $# -lt 1 ]; then
  echo 'lambda-entrypoint.sh: give the handler (e.g. index.handler) as the command' >&2
  exit 1
fi
exec node /var/runtime/emulator.mjs "$1"
